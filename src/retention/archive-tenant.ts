import { dayEnd, utcDay, type ColdStore, type SegmentManifest } from '../cold/cold-store.ts';
import { encodeSegment, verifySegment } from '../cold/segment.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import { compileFilter } from '../filter/index.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { retentionEvent } from './retention-events.ts';
import { warmCutoff, type RetentionPolicy } from './retention-policy.ts';

/** Failure injection between the steps of a move; tests only. A hook that throws stops the run there, like a crash. */
export interface RetentionFaults {
  /** A new segment is complete in the cold store; it has not been read back. */
  afterWrite?: (segment: SegmentManifest) => void | Promise<void>;
  /** The segment was read back and matches its manifest; none of its events has left the archive. */
  afterVerify?: (segment: SegmentManifest) => void | Promise<void>;
  /** The first half of the segment's events has left the archive, the rest not yet. */
  duringDelete?: (segment: SegmentManifest) => void | Promise<void>;
}

/** What moving (and purging) needs, shared by every tenant of a run. */
export interface RetentionWork {
  store: EventStore;
  cold: ColdStore;
  /** Throws when this process may no longer write (lease lost, closing): called before every write and delete. */
  keep(): Promise<void>;
  record(event: PendingEvent): Promise<void>;
  maxSegmentEvents: number;
  /** Segments one tenant moves or purges in one run at most: a backlog is worked off over several runs. */
  maxSegments: number;
  now(): number;
  faults: RetentionFaults;
  log: Logger;
}

const ALL = compileFilter(null);
/** The guard of a delete that only finishes an earlier one: those events were in a verified segment already. */
const ANY_TIME = new Date(8.64e15);

/**
 * Moves a tenant's aged events, oldest first, into cold segments, and
 * deletes each segment's events from the archive once the segment is read
 * back and verified. The archive always holds a suffix of the tenant's
 * positions, so the segment an archive event went to, if any, is found by
 * its first event's day and position: a run after a crash completes that
 * segment's delete instead of writing its events a second time.
 */
export async function archiveTenant(
  work: RetentionWork,
  tenantId: string,
  policy: RetentionPolicy,
): Promise<SegmentManifest[]> {
  const { store, cold } = work;
  const cutoff = warmCutoff(policy.warmMs, work.now());
  let purged = await store.purgedThrough(tenantId);
  // A delete cut short below the floor is finished first: those events are in cold already.
  if (purged > 0) {
    await work.keep();
    await store.deleteRange(tenantId, { upTo: purged, receivedBefore: ANY_TIME });
  }
  const moved: SegmentManifest[] = [];
  while (moved.length < work.maxSegments) {
    const events = await agedRun(store, tenantId, purged, cutoff, work.maxSegmentEvents);
    if (!events.length) break;
    const segment = (await segmentHolding(cold, events[0]!)) ?? (await writeSegment(work, events));
    const verified = await verifySegment(segment, await cold.read(segment));
    await work.faults.afterVerify?.(segment);
    await deleteFromArchive(work, segment, verified);
    await work.record(retentionEvent('archived', segment, new Date(work.now())));
    work.log.info(
      { tenantId, day: segment.day, first: segment.firstPosition, last: segment.lastPosition, count: segment.count },
      'events moved to a cold segment',
    );
    moved.push(segment);
    purged = segment.lastPosition;
  }
  return moved;
}

/** The tenant's oldest archive events after `after` that are all older than `cutoff`, of one UTC day, at most `max`. */
async function agedRun(
  store: EventStore,
  tenantId: string,
  after: number,
  cutoff: number,
  max: number,
): Promise<HubEvent[]> {
  const range = await store.readRange(tenantId, { after, filter: ALL, batch: Math.min(max, 1000) });
  const run: HubEvent[] = [];
  try {
    for await (const page of range.pages) {
      for (const event of page) {
        const fits =
          event.receivedAt.getTime() < cutoff &&
          (!run.length || utcDay(event.receivedAt) === utcDay(run[0]!.receivedAt));
        if (!fits || run.length >= max) return run;
        run.push(event);
      }
    }
    return run;
  } finally {
    await range.pages.return?.();
  }
}

/** The complete segment that `event` went to, when an earlier run wrote one. */
async function segmentHolding(cold: ColdStore, event: HubEvent): Promise<SegmentManifest | null> {
  const day = utcDay(event.receivedAt);
  const segments = await cold.list(event.tenantId, { fromDay: day, toDay: day });
  return segments.find((s) => s.firstPosition <= event.position && event.position <= s.lastPosition) ?? null;
}

async function writeSegment(work: RetentionWork, events: readonly HubEvent[]): Promise<SegmentManifest> {
  const { manifest, data } = await encodeSegment(events);
  await work.keep();
  const segment = await work.cold.write(manifest, data);
  await work.faults.afterWrite?.(segment);
  return segment;
}

async function deleteFromArchive(
  work: RetentionWork,
  segment: SegmentManifest,
  events: readonly HubEvent[],
): Promise<void> {
  const receivedBefore = dayEnd(segment.day);
  await work.keep();
  if (work.faults.duringDelete) {
    const half = events[Math.floor((events.length - 1) / 2)]!;
    await work.store.deleteRange(segment.tenantId, { upTo: half.position, receivedBefore });
    await work.faults.duringDelete(segment);
  }
  await work.store.deleteRange(segment.tenantId, { upTo: segment.lastPosition, receivedBefore });
}
