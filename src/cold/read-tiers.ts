import { coldSegmentDamaged, ErrorCode, isHubError } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';
import { createMatcher, type CompiledFilter } from '../filter/index.ts';
import type { EventRange, EventStore } from '../store/event-store.ts';
import type { ColdStore, SegmentManifest } from './cold-store.ts';
import { verifySegment } from './segment.ts';

export interface TieredRangeRequest {
  /** A position: the range starts right after it (0: from the oldest event held in any tier). */
  after: number;
  filter: CompiledFilter;
  /** Most events per page, at least 1. */
  batch: number;
}

/**
 * A tenant's matching events after `after`, across the cold tier and the archive, in position
 * order, each once: cold segments through the archive's floor (`purgedThrough`), the archive
 * after it. Without a cold tier, or when `after` is at or above the floor, this is the archive's
 * own `readRange` (CURSOR_EXPIRED and all).
 *
 * Retention may raise the floor while the range is read: the archive range then ends with
 * CURSOR_EXPIRED, and the read goes back to cold from the last position it gave out, so an event
 * that moved meanwhile still comes out once. A segment whose data is missing or does not match
 * its manifest, or a floor that no segment reaches (a segment gone from the cold store by hand),
 * ends the range with COLD_SEGMENT_DAMAGED rather than a silent gap. Segments purged by cold
 * retention are gone for good: a range from before them starts at the oldest one left.
 */
export async function readTieredRange(
  store: EventStore,
  cold: ColdStore | null,
  tenantId: string,
  request: TieredRangeRequest,
): Promise<EventRange> {
  const { after, filter, batch } = request;
  if (!cold || after >= (await store.purgedThrough(tenantId)))
    return store.readRange(tenantId, { after, filter, batch });
  const head = await store.headPosition(tenantId);
  return { head, pages: tieredPages(store, cold, tenantId, { ...request, upTo: head }) };
}

async function* tieredPages(
  store: EventStore,
  cold: ColdStore,
  tenantId: string,
  { after, filter, batch, upTo }: TieredRangeRequest & { upTo: number },
): AsyncGenerator<HubEvent[]> {
  const matches = createMatcher(filter);
  let last = after;
  for (;;) {
    const floor = await store.purgedThrough(tenantId);
    if (last < floor) {
      for await (const page of coldPages(cold, tenantId, last, floor, batch)) {
        const kept = page.filter((event) => matches(event));
        if (kept.length) yield kept;
      }
      last = floor;
    }
    try {
      const range = await store.readRange(tenantId, { after: last, filter, batch, upTo });
      for await (const page of range.pages) {
        yield page;
        last = page.at(-1)?.position ?? last;
      }
      return;
    } catch (error) {
      // The floor rose under the read: what left went to cold, read from there. Anything else stands.
      if (!isHubError(error) || error.code !== ErrorCode.CURSOR_EXPIRED) throw error;
      if ((await store.purgedThrough(tenantId)) <= last) throw error;
    }
  }
}

/** Every cold event in (after, through], checked segment by segment, in pages of at most `batch`. */
async function* coldPages(
  cold: ColdStore,
  tenantId: string,
  after: number,
  through: number,
  batch: number,
): AsyncGenerator<HubEvent[]> {
  // A manifest that does not parse makes the listing fail: that part of the tier cannot be read.
  const segments = await cold.list(tenantId).catch((error: unknown) => {
    throw coldSegmentDamaged(tenantId, { day: null, firstPosition: after + 1, lastPosition: through }, error);
  });
  const newest = segments.at(-1);
  // Retention raises the floor to a segment's last position only once that segment is complete.
  if (newest && newest.lastPosition < through) throw coldSegmentDamaged(tenantId, gapAfter(newest, through));
  for (const segment of segments) {
    if (segment.lastPosition <= after || segment.firstPosition > through) continue;
    const events = await verifySegment(segment, await cold.read(segment)).catch((error: unknown) => {
      throw coldSegmentDamaged(tenantId, segment, error);
    });
    const wanted = events.filter((event) => event.position > after && event.position <= through);
    for (let i = 0; i < wanted.length; i += batch) yield wanted.slice(i, i + batch);
  }
}

/** The positions a missing newest segment held, for the error. */
const gapAfter = (newest: SegmentManifest, through: number) => ({
  tenantId: newest.tenantId,
  day: null,
  firstPosition: newest.lastPosition + 1,
  lastPosition: through,
});
