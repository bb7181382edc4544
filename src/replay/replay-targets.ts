import type { HubEvent } from '../events/event.ts';
import type { EventMatcher } from '../filter/index.ts';
import { describeFailure, runAttempt } from '../handlers/handler-attempt.ts';
import type { HubHandler } from '../handlers/handler.ts';
import type { HandlerStore } from '../handlers/handler-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { PublishRateLimiter } from '../limits/publish-rate-limiter.ts';
import type { Logger } from '../logger.ts';
import { replayedEvent } from './replay-events.ts';
import type { ReplayJob } from './replay-job.ts';
import type { ReplayStore, RunKey, RunOutcome } from './replay-store.ts';
import type { WebhookService } from '../delivery/webhook-service.ts';

export interface ReplayHandler {
  handler: HubHandler;
  matches: EventMatcher;
}

export interface TargetServices {
  replayStore: ReplayStore;
  ingest: Ingest;
  handlerStore: HandlerStore;
  /** Per attempt, unless the handler sets its own (HUB_HANDLER_TIMEOUT_MS). */
  handlerTimeoutMs: number;
  /** REPUBLISH takes its events from the tenant's publish budget (HUB_RATE_LIMIT), waiting for it. Default: no limit. */
  rateLimiter?: Pick<PublishRateLimiter, 'wait'> | undefined;
  /** ENDPOINT: finds the job's endpoint and queues events for it again. Absent: no ENDPOINT job can run. */
  webhooks?: Pick<WebhookService, 'get' | 'requeue'> | undefined;
  /** HUB_SHADOW_MAX_DIFFERENCES: differences a SHADOW job stores (all are counted). Default 10,000. */
  maxDifferences?: number | undefined;
  log: Logger;
  now: () => number;
}

/** How each event of a chunk went, in order: true = processed, false = failed. */
export type ChunkOutcome = boolean[];

/**
 * REPUBLISH: one new event per original, stored and published in one call.
 * A DUPLICATE is an original this job republished before (a takeover or a
 * retry after a crash): processed, and nothing new is stored.
 */
export async function republishChunk(
  job: ReplayJob,
  events: readonly HubEvent[],
  services: TargetServices,
  stop: AbortSignal,
): Promise<ChunkOutcome> {
  // New events in the tenant count against its publish budget like its clients' publishes.
  if (services.rateLimiter && !(await services.rateLimiter.wait(job.tenantId, events.length, stop))) return [];
  const now = new Date(services.now());
  const results = await services.ingest.publishInternal(events.map((event) => replayedEvent(event, job.id, now)));
  return results.map((result, i) => {
    if (result.status !== 'REJECTED') return true;
    services.log.warn(
      { jobId: job.id, eventId: events[i]!.id, code: result.error.code },
      'replayed event not stored; counted as failed',
    );
    return false;
  });
}

/**
 * ENDPOINT: the chunk's events queued to be sent to the job's endpoint again,
 * as new PENDING deliveries (a delivered one is sent once more, with its
 * attempts from zero); the endpoint's worker sends them in its own time and
 * order. Processed once queued; failed when the endpoint was deleted meanwhile.
 */
export async function requeueChunk(
  job: ReplayJob,
  events: readonly HubEvent[],
  services: TargetServices,
): Promise<ChunkOutcome> {
  const items = events.map((event) => ({ eventId: event.id, position: event.position }));
  const queued = await services.webhooks!.requeue(job.tenantId, job.endpointId!, items);
  return events.map(() => queued > 0);
}

/** A signal that never aborts: a replayed handler run is never retried, so shutdown lets it finish (its timeout bounds it). */
const NEVER = new AbortController().signal;

/**
 * HANDLERS: runs, for each event of the chunk in order, the job's handlers
 * whose types match it, one attempt each, in the job's order. The chunk's
 * runs are claimed in the store before any starts and settled after, one
 * write each way, so no run ever happens twice: a run claimed before counts
 * as it ended, and one left STARTED (its process died during the chunk)
 * counts as failed without running again. When `stop` aborts, the runner
 * stops after the event in hand and gives back the claims it did not start,
 * so the job's next holder runs them. Resolves with an outcome per event it
 * got to: true when every run of the event succeeded.
 */
export async function runHandlersOnChunk(
  job: ReplayJob,
  events: readonly HubEvent[],
  handlers: ReadonlyMap<string, ReplayHandler>,
  services: TargetServices,
  stop: AbortSignal,
): Promise<ChunkOutcome> {
  const plan: RunKey[][] = events.map((event) =>
    job.handlers
      .filter((name) => handlers.get(name)!.matches(event))
      .map((handler) => ({ jobId: job.id, eventId: event.id, handler })),
  );
  const keys = plan.flat();
  const claims = await services.replayStore.claimRuns(keys);
  const claimOf = new Map(keys.map((key, i) => [key, claims[i]!]));
  const outcomes: RunOutcome[] = [];
  const result: ChunkOutcome = [];
  try {
    for (const [i, runs] of plan.entries()) {
      if (stop.aborted) break;
      let ok = true;
      for (const key of runs) {
        const claim = claimOf.get(key)!;
        if (claim !== 'CLAIMED') {
          if (claim !== 'DONE') ok = false;
          continue;
        }
        const failed = await runOnce(handlers.get(key.handler)!.handler, events[i]!, job, services);
        if (failed) ok = false;
        outcomes.push({ key, state: failed ? 'FAILED' : 'DONE' });
      }
      result.push(ok);
    }
  } finally {
    await services.replayStore.settleRuns(outcomes);
    const unstarted = plan
      .slice(result.length)
      .flat()
      .filter((key) => claimOf.get(key) === 'CLAIMED');
    await services.replayStore.releaseRuns(unstarted);
  }
  return result;
}

/**
 * One attempt of a replayed handler run; true when it failed (logged). The handler sees that it
 * is replayed: `ctx.replay`, and the event's `metadata.replay` as on every replayed event.
 */
async function runOnce(
  handler: HubHandler,
  event: HubEvent,
  job: ReplayJob,
  services: TargetServices,
): Promise<boolean> {
  const replayed: HubEvent = {
    ...event,
    metadata: { ...event.metadata, replay: { jobId: job.id, originalEventId: event.id } },
  };
  try {
    await runAttempt(handler, replayed, 1, {
      ...services,
      timeoutMs: handler.timeoutMs ?? services.handlerTimeoutMs,
      stop: NEVER,
      replay: { jobId: job.id, mode: 'HANDLERS' },
    });
    return false;
  } catch (error) {
    const failure = describeFailure(error);
    services.log.warn(
      { jobId: job.id, eventId: event.id, handler: handler.name, error: failure },
      'replayed handler run failed; counted as failed',
    );
    return true;
  }
}
