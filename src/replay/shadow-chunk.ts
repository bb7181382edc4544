import type { HubEvent } from '../events/event.ts';
import type { HandlerOutcome } from '../handlers/handler-store.ts';
import { processingOfOutcome } from '../handlers/processing-trail.ts';
import type { EventStore } from '../store/event-store.ts';
import type { ReplayJob } from './replay-job.ts';
import type { ChunkOutcome, ReplayHandler } from './replay-targets.ts';
import { runShadow, type ShadowServices } from './shadow-effects.ts';
import {
  changesOf,
  payloadHash,
  type ComparedFollowUp,
  type ReplayDifference,
  type ShadowOutcome,
} from './shadow-outcome.ts';

export interface ShadowChunkServices extends ShadowServices {
  store: EventStore;
  /** HUB_SHADOW_MAX_DIFFERENCES: differences a job stores; past it they are still counted. */
  maxDifferences: number;
  /** False once the job's lease is known to be lost: then nothing is written (the save after the chunk fails). */
  holds(): boolean;
}

/** The chunk's outcome per event, and the differences it found (all counted, the first up to the budget stored). */
export interface ShadowChunkResult {
  outcome: ChunkOutcome;
  differences: number;
}

/** One shadow handler's part in one event: run it, or SKIPPED when only the handler it compares with takes the event. */
interface ShadowRun {
  event: HubEvent;
  handler: string;
  live: string;
  skipped: boolean;
}

/**
 * SHADOW: runs, for each event of the chunk in order, the job's handlers with their effects
 * captured, and compares each outcome with the live trail entry of the handler it shadows
 * (`shadows`, else itself). Nothing is claimed: a shadow run has no effect a second run could
 * repeat, so a chunk cut short by a crash is run again by the job's next holder, and its
 * differences, keyed by (job, event, handler), replace the ones it found the first time. When
 * `stop` aborts, stops after the event in hand. An event counts as processed when no shadow run of
 * it failed.
 */
export async function runShadowOnChunk(
  job: ReplayJob,
  events: readonly HubEvent[],
  handlers: ReadonlyMap<string, ReplayHandler>,
  services: ShadowChunkServices,
  stop: AbortSignal,
): Promise<ShadowChunkResult> {
  const plan = events.map((event) => job.handlers.flatMap((name): ShadowRun[] => planRun(event, name, handlers)));
  const trail = await services.handlerStore.outcomes(
    job.tenantId,
    events.map((event) => event.id),
  );
  const liveOf = new Map(trail.map((o) => [JSON.stringify([o.eventId, o.handler]), o]));
  const outcome: ChunkOutcome = [];
  const ran: { run: ShadowRun; shadow: ShadowOutcome; live: HandlerOutcome | null }[] = [];
  for (const runs of plan) {
    if (stop.aborted) break;
    let ok = true;
    for (const run of runs) {
      const shadow = run.skipped
        ? SKIPPED
        : await runShadow(handlers.get(run.handler)!.handler, run.event, job, services);
      if (shadow.status === 'FAILED') ok = false;
      ran.push({ run, shadow, live: liveOf.get(JSON.stringify([run.event.id, run.live])) ?? null });
    }
    outcome.push(ok);
  }
  const followUps = await liveFollowUps(
    job.tenantId,
    ran.map(({ live }) => live),
    services.store,
  );
  const found = ran.flatMap(({ run, shadow, live: entry }, i): ReplayDifference[] => {
    const live = entry ? processingOfOutcome(entry) : null;
    const changes = changesOf(live, followUps[i]!, shadow);
    const { event } = run;
    return changes.length
      ? [
          {
            jobId: job.id,
            tenantId: job.tenantId,
            eventId: event.id,
            position: event.position,
            handler: run.handler,
            live,
            shadow,
            changes,
          },
        ]
      : [];
  });
  const room = Math.max(0, services.maxDifferences - (job.differences ?? 0));
  if (services.holds()) await services.replayStore.putDifferences(found.slice(0, room));
  return { outcome, differences: found.length };
}

const SKIPPED: ShadowOutcome = { status: 'SKIPPED', attempts: 0, durationMs: 0, followUps: [], error: null };

/** The run of `name` on `event`, if either it or the live handler it compares with takes the event. */
function planRun(event: HubEvent, name: string, handlers: ReadonlyMap<string, ReplayHandler>): ShadowRun[] {
  const shadow = handlers.get(name)!;
  const live = shadow.handler.shadows ?? name;
  if (shadow.matches(event)) return [{ event, handler: name, live, skipped: false }];
  return handlers.get(live)?.matches(event) ? [{ event, handler: name, live, skipped: true }] : [];
}

/**
 * The live outcomes' follow-ups as stored, read for the whole chunk in one `getMany`; a follow-up
 * no longer stored compares as a type of its own.
 */
async function liveFollowUps(
  tenantId: string,
  lives: readonly (HandlerOutcome | null)[],
  store: EventStore,
): Promise<ComparedFollowUp[][]> {
  const ids = lives.flatMap((live) => live?.followUps ?? []);
  const stored = new Map((ids.length ? await store.getMany(tenantId, ids) : []).map((event) => [event.id, event]));
  return lives.map((live) =>
    (live?.followUps ?? []).map((id): ComparedFollowUp => {
      const event = stored.get(id);
      return event
        ? { type: event.type, subject: event.subject ?? null, payloadHash: payloadHash(event.payload) }
        : { type: '(not stored)', subject: null, payloadHash: '' };
    }),
  );
}
