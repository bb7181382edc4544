import { systemEvent } from '../events/system-event.ts';
import type { TraceContext } from '../events/trace-context.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { ReplayJob } from '../replay/replay-job.ts';
import { createAuditSampler } from './audit-sampler.ts';
import { boundedFields, boundedJson, MAX_AUDIT_FILTER_BYTES } from './bounded-fields.ts';

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
  /** The caller's socket address: what tells apart callers without a valid key. */
  clientAddress?: string | undefined;
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
  /**
   * Sampled: at most one event every HUB_AUDIT_SAMPLE_MS per process for each
   * tenant (or, without one, client address), code, key name and operation
   * type, counting the rest. Never per field list: a caller varies that at will.
   */
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
  /** HUB_MAX_EVENT_BYTES: a replay's filter is cut to a quarter of it (at most 4 KiB) in its audit event. Default 1 MiB. */
  maxEventBytes?: number;
  /** Most sampling windows kept at once (HUB_AUDIT_SAMPLER_KEYS); past it new keys share one window per tenant. Default 10,000. */
  maxSampledKeys?: number;
  now?: () => number;
}

/**
 * The hub's own doings as `system.*` events in the tenant they concern
 * (docs/OPERATIONS.md): searchable like any event, delivered to subscribers
 * and handlers of `system.>`. Recording never delays nor fails the request
 * it is about: the event is stored in the background (a failure is logged),
 * and ingest's drain waits for it on shutdown. Payloads name keys by name
 * and carry no secrets, variables or event payloads.
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const { ingest, log, sampleMs, auditTenant, now = Date.now } = options;
  const sampler = createAuditSampler({ windowMs: sampleMs, maxKeys: options.maxSampledKeys ?? 10_000, now });
  const filterBytes = Math.min(MAX_AUDIT_FILTER_BYTES, Math.floor((options.maxEventBytes ?? 1_048_576) / 4));

  function record(tenantId: string, type: string, actor: AuditActor, payload: Record<string, unknown>): void {
    const at = new Date(now());
    const metadata = {
      ...(actor.keyName !== null && { actor: { id: actor.keyName, type: 'API_KEY' } }),
      ...(actor.trace && { trace: actor.trace }),
    };
    const event = systemEvent(
      'audit',
      type,
      tenantId,
      { ...payload, keyName: actor.keyName, requestId: actor.requestId.slice(0, 200) },
      metadata,
      at,
    );
    ingest
      .publishInternal([event])
      .catch((error: unknown) => log.warn({ err: error, type, tenantId }, 'could not record an audit event'));
  }

  return {
    accessDenied(denial) {
      const tenantId = denial.tenantId ?? auditTenant;
      const { code, scope, operation, clientAddress } = denial;
      // A caller without a valid key is told apart by its address; the operation type is one of a fixed few, so it cannot multiply the records.
      const who = denial.tenantId ?? `address:${clientAddress ?? 'unknown'}`;
      const sampled = sampler.sample(
        JSON.stringify(['denied', who, code, denial.keyName, operation]),
        `denied:${tenantId ?? ''}`,
      );
      if (sampled === null) return;
      const { occurrences, overflow } = sampled;
      const fields = boundedFields(denial.fields);
      log.warn(
        {
          tenantId: denial.tenantId,
          code,
          scope,
          operation,
          fields,
          keyName: denial.keyName,
          requestId: denial.requestId,
          clientAddress,
          occurrences,
          overflow,
        },
        'access denied',
      );
      if (tenantId === undefined || tenantId === null) return;
      record(tenantId, AUDIT_TYPES.accessDenied, denial, {
        code,
        ...(scope && { scope }),
        operation,
        fields,
        occurrences,
        ...(overflow && { overflow }),
        ...(denial.tenantId === null && { tenantKnown: false, clientAddress: clientAddress ?? null }),
      });
    },

    rateLimited(hit) {
      const sampled = sampler.sample(JSON.stringify(['limited', hit.tenantId, hit.keyName]), `limited:${hit.tenantId}`);
      if (sampled === null) return;
      const { occurrences, overflow } = sampled;
      record(hit.tenantId, AUDIT_TYPES.rateLimitExceeded, hit, {
        fields: boundedFields(hit.fields),
        limit: hit.limit,
        retryAfterMs: hit.retryAfterMs,
        occurrences,
        ...(overflow && { overflow }),
      });
    },

    replayRequested(job, actor) {
      record(job.tenantId, AUDIT_TYPES.replayRequested, actor, {
        jobId: job.id,
        target: job.target,
        ...(job.target === 'HANDLERS' && { handlers: job.handlers }),
        ...(job.endpointId !== undefined && { endpointId: job.endpointId }),
        dryRun: job.dryRun,
        filter: boundedJson(job.filter, filterBytes),
      });
    },

    replayCancelled(job, actor) {
      record(job.tenantId, AUDIT_TYPES.replayCancelled, actor, {
        jobId: job.id,
        status: job.status,
        processed: job.processed,
      });
    },
  };
}
