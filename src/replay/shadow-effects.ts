import { performance } from 'node:perf_hooks';
import type { HubEvent } from '../events/event.ts';
import { describeFailure, runAttempt, type AttemptEffects } from '../handlers/handler-attempt.ts';
import type { HubHandler, Projections } from '../handlers/handler.ts';
import { MAX_FOLLOW_UPS, type HandlerStore } from '../handlers/handler-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { ReplayJob } from './replay-job.ts';
import type { ReplayStore } from './replay-store.ts';
import { payloadHash, type ShadowFollowUp, type ShadowOutcome } from './shadow-outcome.ts';

/**
 * Payload bytes (as JSON) a shadow outcome keeps of its follow-ups; past it a follow-up keeps its
 * type, subject and hash but not its payload. A follow-up may be up to HUB_MAX_EVENT_BYTES and an
 * outcome holds up to 100 of them: without this bound one difference could be 100 MB.
 */
export const SHADOW_PAYLOAD_BYTES = 16_384;

export interface ShadowServices {
  ingest: Ingest;
  handlerStore: HandlerStore;
  replayStore: ReplayStore;
  handlerTimeoutMs: number;
  log: Logger;
}

/** A signal that never aborts: a replayed run is never retried, so shutdown lets it finish (its timeout bounds it). */
const NEVER = new AbortController().signal;

/**
 * One attempt of a shadow handler on `event`, its effects kept out of the hub: `ctx.publish` is
 * checked as a publish would be and captured (never stored or published), and projections are
 * read through the job's scratch namespace to the live ones and written to the scratch only. The
 * handler sees `ctx.replay` `{ jobId, mode: 'SHADOW' }` and the event's `metadata.replay`.
 */
export async function runShadow(
  handler: HubHandler,
  event: HubEvent,
  job: ReplayJob,
  services: ShadowServices,
): Promise<ShadowOutcome> {
  const replayed: HubEvent = {
    ...event,
    metadata: { ...event.metadata, replay: { jobId: job.id, originalEventId: event.id } },
  };
  const captured: ShadowFollowUp[] = [];
  const started = performance.now();
  try {
    await runAttempt(handler, replayed, 1, {
      ...services,
      timeoutMs: handler.timeoutMs ?? services.handlerTimeoutMs,
      stop: NEVER,
      replay: { jobId: job.id, mode: 'SHADOW' },
      effects: shadowEffects(replayed, job, services, captured),
    });
    return { status: 'HANDLED', attempts: 1, durationMs: elapsed(started), followUps: captured, error: null };
  } catch (error) {
    return {
      status: 'FAILED',
      attempts: 1,
      durationMs: elapsed(started),
      followUps: captured,
      error: describeFailure(error),
    };
  }
}

const elapsed = (started: number) => Math.round(performance.now() - started);

function shadowEffects(
  event: HubEvent,
  job: ReplayJob,
  services: ShadowServices,
  captured: ShadowFollowUp[],
): AttemptEffects {
  let payloadBytes = 0;
  return {
    async publish(input, request) {
      // The event in hand is the follow-up's cause: the causation limit need not read it again.
      const result = await services.ingest.check(job.tenantId, input, request, event);
      // As the live trail names only follow-ups that were stored, a REJECTED one is not captured.
      if (result.status === 'ACCEPTED' && captured.length < MAX_FOLLOW_UPS) {
        const { type, subject, payload } = result.event;
        payloadBytes += Buffer.byteLength(JSON.stringify(payload));
        captured.push({
          type,
          subject: subject ?? null,
          payload: payloadBytes <= SHADOW_PAYLOAD_BYTES ? payload : null,
          payloadHash: payloadHash(payload),
        });
      }
      return result;
    },
    projections: scratchProjections(job, services),
  };
}

/** Copy on write: the shadow reads what it wrote itself, else the live document; it writes to the scratch only. */
function scratchProjections(job: ReplayJob, { replayStore, handlerStore }: ShadowServices): Projections {
  return {
    get: async <T extends Record<string, unknown>>(projection: string, key: string) =>
      ((await replayStore.getScratch(job.id, projection, key)) ??
        (await handlerStore.getProjection(job.tenantId, projection, key))) as T | null,
    put: (projection, key, value) => replayStore.putScratch(job.id, projection, key, value),
  };
}
