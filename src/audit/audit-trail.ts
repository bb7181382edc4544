import type { PendingEvent } from '../events/event.ts';
import { newEventId } from '../events/ids.ts';
import type { TraceContext } from '../events/trace-context.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { ReplayJob } from '../replay/replay-job.ts';

/** The event types of the hub's own audit trail. */
export const AUDIT_TYPES = {
  accessDenied: 'system.access.denied',
  rateLimitExceeded: 'system.rate_limit.exceeded',
  replayRequested: 'system.replay.requested',
  replayCancelled: 'system.replay.cancelled',
} as const;

/** Who did it and in which request, as far as the hub knows; never the key itself. */
export interface AuditActor {
  /** The API key's name (`name` in HUB_API_KEYS, else `key#<n>`), or null when no valid key came. */
  keyName: string | null;
  requestId: string;
  trace?: TraceContext | undefined;
}

export interface AccessDenial extends AuditActor {
  /** The tenant the refused request concerned: its key's; null when there was no valid key. */
  tenantId: string | null;
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  /** The scope the key lacked (FORBIDDEN). */
  scope?: string | undefined;
  /** `mutation`, `query` or `subscription`, and the root fields asked for. */
  operation: string;
  fields: readonly string[];
}

export interface RateLimitHit extends AuditActor {
  tenantId: string;
  /** The root fields of the refused operation (publishEvent, publishEvents). */
  fields: readonly string[];
  /** The limit that refused it, events per second. */
  limit: number;
  retryAfterMs: number;
}

export interface AuditTrail {
  /** Sampled: per tenant, code, key and fields, at most one event every HUB_AUDIT_SAMPLE_MS per process, counting the rest. */
  accessDenied(denial: AccessDenial): void;
  /** Sampled like accessDenied, per tenant and key. */
  rateLimited(hit: RateLimitHit): void;
  /** Every start, dry runs too. */
  replayRequested(job: ReplayJob, actor: AuditActor): void;
  replayCancelled(job: ReplayJob, actor: AuditActor): void;
}

export interface AuditTrailOptions {
  ingest: Ingest;
  log: Logger;
  /** The window of the sampled kinds. */
  sampleMs: number;
  /** Where denials without a tenant (UNAUTHENTICATED) are recorded; when absent they are only logged. */
  auditTenant?: string | undefined;
  now?: () => number;
}

/** Most sampling windows kept at once; beyond it the expired ones are dropped. */
const MAX_WINDOWS = 10_000;

/**
 * The hub's own doings as `system.*` events in the tenant they concern
 * (docs/OPERATIONS.md): searchable like any event, delivered to subscribers
 * and handlers of `system.>`. Recording never delays nor fails the request
 * it is about: the event is stored in the background (a failure is logged),
 * and ingest's drain waits for it on shutdown. Payloads name keys by name
 * and carry no secrets, variables or event payloads.
 */
export function createAuditTrail({ ingest, log, sampleMs, auditTenant, now = Date.now }: AuditTrailOptions): AuditTrail {
  const windows = new Map<string, { openedAt: number; suppressed: number }>();

  /** The occurrences to report if this one opens a new window, else null (counted for the next). */
  function sample(key: string): number | null {
    const at = now();
    const window = windows.get(key);
    if (window && at - window.openedAt < sampleMs) {
      window.suppressed++;
      return null;
    }
    if (!window && windows.size >= MAX_WINDOWS) {
      for (const [k, w] of windows) if (at - w.openedAt >= sampleMs) windows.delete(k);
    }
    windows.set(key, { openedAt: at, suppressed: 0 });
    return 1 + (window?.suppressed ?? 0);
  }

  function record(tenantId: string, type: string, actor: AuditActor, payload: Record<string, unknown>): void {
    const at = new Date(now());
    const event: PendingEvent = {
      id: newEventId(at.getTime()),
      type,
      version: '1.0',
      tenantId,
      source: { type: 'SYSTEM', id: 'audit' },
      timestamp: at,
      receivedAt: at,
      payload: { ...payload, keyName: actor.keyName, requestId: actor.requestId },
      metadata: {
        ...(actor.keyName !== null && { actor: { id: actor.keyName, type: 'API_KEY' } }),
        ...(actor.trace && { trace: actor.trace }),
      },
    };
    ingest.publishInternal([event]).catch((error: unknown) => log.warn({ err: error, type, tenantId }, 'could not record an audit event'));
  }

  return {
    accessDenied(denial) {
      const tenantId = denial.tenantId ?? auditTenant;
      const key = JSON.stringify(['denied', tenantId, denial.code, denial.keyName, denial.fields]);
      const occurrences = sample(key);
      if (occurrences === null) return;
      const { code, scope, operation, fields } = denial;
      log.warn({ tenantId: denial.tenantId, code, scope, operation, fields, keyName: denial.keyName, requestId: denial.requestId, occurrences }, 'access denied');
      if (tenantId === undefined || tenantId === null) return;
      record(tenantId, AUDIT_TYPES.accessDenied, denial, { code, ...(scope && { scope }), operation, fields, occurrences, ...(denial.tenantId === null && { tenantKnown: false }) });
    },

    rateLimited(hit) {
      const occurrences = sample(JSON.stringify(['limited', hit.tenantId, hit.keyName]));
      if (occurrences === null) return;
      record(hit.tenantId, AUDIT_TYPES.rateLimitExceeded, hit, { fields: hit.fields, limit: hit.limit, retryAfterMs: hit.retryAfterMs, occurrences });
    },

    replayRequested(job, actor) {
      record(job.tenantId, AUDIT_TYPES.replayRequested, actor, {
        jobId: job.id,
        target: job.target,
        ...(job.target === 'HANDLERS' && { handlers: job.handlers }),
        dryRun: job.dryRun,
        filter: job.filter,
      });
    },

    replayCancelled(job, actor) {
      record(job.tenantId, AUDIT_TYPES.replayCancelled, actor, { jobId: job.id, status: job.status, processed: job.processed });
    },
  };
}
