import type { Filter } from 'mongodb';
import { cursorExpired } from '../../errors.ts';
import { encodePosition } from '../../events/position.ts';
import type { CompiledFilter } from '../../filter/index.ts';
import type { BoundedCount, EventPage, EventQuery, EventStat, SortOrder, StatsGroup } from '../event-store.ts';
import { sortStats, sourceKey } from '../stats-keys.ts';
import type { StoreCollections } from './collections.ts';
import { NOT_GAP, toHubEvent, type ArchiveDocument, type StoredEvent } from './documents.ts';
import type { Positions } from './positions.ts';
import type { PurgedRanges } from './purged-ranges.ts';
import { pageLeftStore } from '../purged-range.ts';
import type { WindowReader } from './window-reader.ts';

export interface QueriesOptions {
  collections: StoreCollections;
  positions: Positions;
  purged: PurgedRanges;
  window: WindowReader;
  maxTimeMS: number;
}

/** The archive query of a compiled filter: always scoped to the tenant and blind to tombstones. */
export const scoped = (tenantId: string, filter: CompiledFilter, ...more: object[]) =>
  ({ $and: [{ tenantId }, NOT_GAP, ...more, filter.query] }) as Filter<ArchiveDocument>;

/**
 * Reads. Pages and `readAfter` near the head are served from the live window
 * when it provably holds the whole answer (window-reader.ts), the rest from
 * the archive; the answer is the same either way. Every read of events is
 * scoped by tenant, skips tombstones and carries `maxTimeMS`.
 */
export function createQueries(options: QueriesOptions) {
  const { archive, counters } = options.collections;
  const { positions, purged, window, maxTimeMS } = options;

  const events = (filter: Filter<ArchiveDocument>, direction: 1 | -1, limit: number) =>
    archive.find<StoredEvent>(filter, { sort: { position: direction }, limit, maxTimeMS }).toArray();

  async function get(tenantId: string, id: string) {
    // `_id` equality first: the event id is the primary key.
    const doc = await archive.findOne<StoredEvent>({ _id: id, tenantId, ...NOT_GAP }, { maxTimeMS });
    return doc ? toHubEvent(doc) : null;
  }

  async function getMany(tenantId: string, ids: readonly string[]) {
    if (!ids.length) return [];
    const docs = await archive
      .find<StoredEvent>({ _id: { $in: [...new Set(ids)] }, tenantId, ...NOT_GAP }, { maxTimeMS })
      .toArray();
    return docs.map(toHubEvent);
  }

  async function query(tenantId: string, { filter, first, after, order }: EventQuery): Promise<EventPage> {
    const bound = after === undefined ? [] : [{ position: order === 'ASC' ? { $gt: after } : { $lt: after } }];
    const docs =
      (await windowPage(tenantId, filter, first + 1, after, order)) ??
      (await events(scoped(tenantId, filter, ...bound), order === 'ASC' ? 1 : -1, first + 1));
    // Checked after the read (purged-ranges.ts); a delete left half done by a crash is hidden until it is finished.
    const floor = await purged.purgedThrough(tenantId);
    if (after !== undefined && pageLeftStore(after, order, floor))
      throw cursorExpired(encodePosition(after), 'evicted', floor);
    const kept = docs.filter((doc) => doc.position > floor);
    const hasNextPage = order === 'ASC' ? docs.length > first : kept.length > first;
    return { events: kept.slice(0, first).map(toHubEvent), hasNextPage };
  }

  /**
   * The page's `first + 1` matches from the window, or null. Ascending, the walk must reach them or
   * the counter's proposal (no position beyond it exists); descending, them or the retention floor.
   */
  async function windowPage(
    tenantId: string,
    filter: CompiledFilter,
    want: number,
    after: number | undefined,
    order: SortOrder,
  ) {
    if (!window.enabled) return null;
    const proposed = await positionHint(tenantId);
    if (order === 'ASC') {
      return window.walk({ tenantId, filter, start: (after ?? 0) + 1, end: proposed, direction: 1, want });
    }
    const floor = await purged.purgedThrough(tenantId);
    const start = Math.min(after === undefined ? proposed : after - 1, proposed);
    return window.walk({ tenantId, filter, start, end: Math.max(1, floor + 1), direction: -1, want });
  }

  async function stats(tenantId: string, filter: CompiledFilter, groupBy: StatsGroup): Promise<EventStat[]> {
    const stats = await archive
      .aggregate<{ _id: unknown; count: number }>(
        [{ $match: scoped(tenantId, filter) }, { $group: { _id: GROUP_FIELDS[groupBy], count: { $sum: 1 } } }],
        { maxTimeMS },
      )
      .toArray();
    return sortStats(
      stats.map((s) => ({ key: statKey(s._id, groupBy), count: s.count })),
      groupBy,
    );
  }

  /** `$limit` before `$count`: the server stops after `limit + 1` matches, enough to know the count is capped. */
  async function count(tenantId: string, filter: CompiledFilter, limit: number): Promise<BoundedCount> {
    const [counted] = await archive
      .aggregate<{ n: number }>([{ $match: scoped(tenantId, filter) }, { $limit: limit + 1 }, { $count: 'n' }], {
        maxTimeMS,
      })
      .toArray();
    const n = counted?.n ?? 0;
    return { count: Math.min(n, limit), capped: n > limit };
  }

  async function readAfter(tenantId: string, after: number, filter: CompiledFilter, limit: number) {
    const events = await readSafe(tenantId, after, filter, limit);
    await purged.assertServed(tenantId, after);
    return events;
  }

  async function readSafe(tenantId: string, after: number, filter: CompiledFilter, limit: number) {
    if (after < 0) throw cursorExpired(encodePosition(after), 'evicted');
    let safe = await positions.currentHead(tenantId);
    if (after >= safe.head) {
      // Ask the archive itself when the read cannot tell (a scan stopped at its limit, or began,
      // shared with concurrent readers, before the insert that handed out `after`; or no scan ran).
      const highest = safe.truncated || after > safe.highest ? await positions.highestPosition(tenantId) : safe.highest;
      if (after > highest) throw cursorExpired(encodePosition(after), 'beyond-head');
      if (after === highest) return [];
      // Events lie beyond a hole: wait it out rather than answer "nothing new".
      safe = await positions.safeHead(tenantId, after);
      if (safe.head <= after) return [];
    }
    const docs =
      (await window.walk({ tenantId, filter, start: after + 1, end: safe.head, direction: 1, want: limit })) ??
      (await events(scoped(tenantId, filter, { position: { $gt: after, $lte: safe.head } }), 1, limit));
    return docs.map(toHubEvent);
  }

  async function headPosition(tenantId: string) {
    return (await positions.currentHead(tenantId)).head;
  }

  /** The counter proposes every position before it is used, so it is never below the safe head; one `_id` read. */
  async function positionHint(tenantId: string): Promise<number> {
    const counter = await counters.findOne({ _id: tenantId }, { projection: { seq: 1 }, maxTimeMS });
    return counter?.seq ?? 0;
  }

  /** A tenant's counter document exists from its first append on (positions.ts). */
  async function tenants(): Promise<string[]> {
    const docs = await counters.find({}, { projection: { _id: 1 }, maxTimeMS }).toArray();
    return docs.map((doc) => doc._id);
  }

  return { get, getMany, query, stats, count, readAfter, headPosition, positionHint, tenants };
}

/** Stored fields only: the portable subset has no date operators, so time buckets are written at ingest. */
const GROUP_FIELDS: Record<StatsGroup, unknown> = {
  TYPE: '$type',
  SOURCE: { type: '$source.type', id: '$source.id' },
  HOUR: '$bucket.hour',
  DAY: '$bucket.day',
};

/** The same keys as `groupKey` in stats-keys.ts, built in JS from the grouped fields. */
function statKey(id: unknown, groupBy: StatsGroup): string {
  if (groupBy === 'SOURCE') return sourceKey(id as StoredEvent['source']);
  return String(id);
}
