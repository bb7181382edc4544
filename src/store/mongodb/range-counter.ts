import { cursorExpired } from '../../errors.ts';
import { encodePosition } from '../../events/position.ts';
import type { CountRequest, RangeCount } from '../event-store.ts';
import type { StoreCollections } from './collections.ts';
import type { PurgedRanges } from './purged-ranges.ts';
import { scoped } from './queries.ts';

export interface RangeCounterOptions {
  collections: StoreCollections;
  /** Of the count's cursor, over its whole life (MongoEventStoreOptions.rangeMaxTimeMS). */
  cursorMaxTimeMS: number;
  purged: PurgedRanges;
}

/**
 * `EventStore.countRange` on MongoDB: one unsorted cursor over the range
 * that returns only each match's id and position, keeping the `sample`
 * lowest positions as it goes. Unsorted, because a sort by position makes
 * FerretDB gather and sort the whole range before the first batch (its SQLite
 * backend scans for every query), and projected, so neither side encodes or
 * parses whole events just to count them. On MongoDB the same query is an
 * index range scan (`tenant_position`, or a more selective index of the
 * filter).
 */
export function createRangeCounter({ collections, cursorMaxTimeMS, purged }: RangeCounterOptions) {
  return async function countRange(
    tenantId: string,
    { after, through, filter, sample }: CountRequest,
  ): Promise<RangeCount> {
    if (after < 0) throw cursorExpired(encodePosition(after), 'evicted');
    const query = scoped(tenantId, filter, { position: { $gt: after, $lte: through } });
    const cursor = collections.archive.find<{ id: string; position: number }>(query, {
      projection: { _id: 0, id: 1, position: 1 },
      batchSize: 1000,
      maxTimeMS: cursorMaxTimeMS,
    });
    const size = Math.max(0, sample);
    /** The lowest positions seen, ascending; at most `size`. */
    const first: { id: string; position: number }[] = [];
    let total = 0;
    for await (const doc of cursor) {
      total++;
      if (size === 0 || (first.length === size && doc.position > first.at(-1)!.position)) continue;
      const at = first.findIndex((kept) => kept.position > doc.position);
      first.splice(at === -1 ? first.length : at, 0, doc);
      if (first.length > size) first.pop();
    }
    await purged.assertServed(tenantId, after); // after the count: a delete that raced it makes it wrong
    return { total, sample: first.map((doc) => doc.id) };
  };
}
