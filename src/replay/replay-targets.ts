import type { HubEvent } from '../events/event.ts';
import type { EventMatcher } from '../filter/index.ts';
import { describeFailure, runAttempt } from '../handlers/handler-attempt.ts';
import type { HubHandler } from '../handlers/handler.ts';
import type { HandlerStore } from '../handlers/handler-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import { replayedEvent } from './replay-events.ts';
import type { ReplayJob } from './replay-job.ts';
import type { ReplayStore } from './replay-store.ts';

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
export async function republishChunk(job: ReplayJob, events: readonly HubEvent[], services: TargetServices): Promise<ChunkOutcome> {
  const now = new Date(services.now());
  const results = await services.ingest.publishInternal(events.map((event) => replayedEvent(event, job.id, now)));
  return results.map((result, i) => {
    if (result.status !== 'REJECTED') return true;
    services.log.warn({ jobId: job.id, eventId: events[i]!.id, code: result.error.code }, 'replayed event not stored; counted as failed');
    return false;
  });
}

/** A signal that never aborts: a replayed handler run is never retried, so shutdown lets it finish (its timeout bounds it). */
const NEVER = new AbortController().signal;

/**
 * HANDLERS: runs the job's handlers whose types match the event, one attempt
 * each, in the job's order. Each run is claimed in the store first, so no
 * run happens twice: a run already claimed counts as it ended, and one
 * whose process died in the middle of it (STARTED) counts as failed without
 * running again. The event is processed when every run succeeded.
 */
export async function runHandlersOn(
  job: ReplayJob,
  event: HubEvent,
  handlers: ReadonlyMap<string, ReplayHandler>,
  services: TargetServices,
): Promise<boolean> {
  let ok = true;
  for (const name of job.handlers) {
    const entry = handlers.get(name)!;
    if (!entry.matches(event)) continue;
    const key = { jobId: job.id, eventId: event.id, handler: name };
    const claim = await services.replayStore.claimRun(key);
    if (claim !== 'CLAIMED') {
      if (claim !== 'DONE') ok = false;
      continue;
    }
    let failure = null;
    try {
      const timeoutMs = entry.handler.timeoutMs ?? services.handlerTimeoutMs;
      await runAttempt(entry.handler, event, 1, { ...services, timeoutMs, stop: NEVER });
    } catch (error) {
      failure = describeFailure(error);
      ok = false;
      services.log.warn({ jobId: job.id, eventId: event.id, handler: name, error: failure }, 'replayed handler run failed; counted as failed');
    }
    await services.replayStore.settleRun(key, failure ? 'FAILED' : 'DONE');
  }
  return ok;
}
