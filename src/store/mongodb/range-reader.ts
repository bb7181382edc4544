import { MongoServerError } from 'mongodb';
import { cursorExpired } from '../../errors.ts';
import type { HubEvent } from '../../events/event.ts';
import { encodePosition } from '../../events/position.ts';
import type { CompiledFilter } from '../../filter/index.ts';
import type { EventRange, RangeRequest } from '../event-store.ts';
import type { StoreCollections } from './collections.ts';
import { toHubEvent, type StoredEvent } from './documents.ts';
import { guard, toStoreError } from './errors.ts';
import type { Positions } from './positions.ts';
import type { PurgedRanges } from './purged-ranges.ts';
import { scoped } from './queries.ts';
import { WINDOW_READ_LIMIT, type WindowReader } from './window-reader.ts';

export interface RangeReaderOptions {
  collections: StoreCollections;
  positions: Positions;
  /** Of the range's cursor, over its whole life (MongoEventStoreOptions.rangeMaxTimeMS). */
  cursorMaxTimeMS: number;
  purged: PurgedRanges;
  window: WindowReader;
}

/** The server dropped the cursor (idle too long, or killed): the range goes on with a new one. */
const CURSOR_LOST = new Set([43 /* CursorNotFound */, 175 /* QueryPlanKilled */, 237 /* CursorKilled */]);

/**
 * `EventStore.readRange` on MongoDB: the head is fixed first (usually from the
 * watermark, see positions.ts), then one cursor sorted by position reads the
 * whole range, a batch per page the caller pulls. A catch-up over N events is
 * one query instead of N / batch — on FerretDB, whose SQLite backend scans
 * for every query, one scan instead of N / batch of them. A consumer slow
 * enough for the server to drop the cursor gets a new one from the last
 * page it was given. A short range the live window holds whole is read from
 * it instead (window-reader.ts).
 */
export function createRangeReader({ collections, positions, cursorMaxTimeMS, purged, window }: RangeReaderOptions) {
  const { archive } = collections;

  /**
   * A short range (a recent resume) that the live window holds whole: no archive cursor at all.
   * As with the archive's pages, the floor is checked before each page is handed out (a range
   * retention deletes from while it is read expires, though the window still holds it) and
   * nothing is read after the last one: a consumer holding the last page has the whole range,
   * and a store lost then (an outage right after a catch-up) cannot fail a range already served.
   */
  async function* windowPages(
    tenantId: string,
    filter: CompiledFilter,
    after: number,
    head: number,
    batch: number,
  ): AsyncGenerator<HubEvent[]> {
    const found =
      head - after <= WINDOW_READ_LIMIT
        ? await guard(() =>
            window.walk({ tenantId, filter, start: after + 1, end: head, direction: 1, want: Infinity }),
          )
        : null;
    if (!found) return yield* pages(tenantId, filter, after, head, batch);
    if (found.length === 0) await guard(() => purged.assertServed(tenantId, after));
    for (let i = 0; i < found.length; i += batch) {
      const from = i === 0 ? after : found[i - 1]!.position;
      await guard(() => purged.assertServed(tenantId, from));
      yield found.slice(i, i + batch).map(toHubEvent);
    }
  }

  async function* pages(
    tenantId: string,
    filter: CompiledFilter,
    after: number,
    head: number,
    batch: number,
  ): AsyncGenerator<HubEvent[]> {
    let from = after;
    for (let reopened = 0; from < head; reopened++) {
      const start = from;
      const query = scoped(tenantId, filter, { position: { $gt: from, $lte: head } });
      const cursor = archive.find<StoredEvent>(query, {
        sort: { position: 1 },
        batchSize: batch,
        maxTimeMS: cursorMaxTimeMS,
      });
      try {
        let page: HubEvent[] = [];
        for await (const doc of cursor) {
          page.push(toHubEvent(doc));
          if (page.length < batch) continue;
          // Retention may have deleted part of what this page should hold: end rather than skip it.
          await purged.assertServed(tenantId, from);
          from = doc.position;
          yield page;
          page = [];
        }
        await purged.assertServed(tenantId, from);
        if (page.length) yield page;
        return;
      } catch (error) {
        const lost = error instanceof MongoServerError && CURSOR_LOST.has(Number(error.code));
        // A cursor that is lost again before it gave a page is not a slow consumer's: give up.
        if (!lost || (from === start && reopened > 0)) throw toStoreError(error);
      } finally {
        await cursor.close().catch(() => {});
      }
    }
  }

  return async function readRange(tenantId: string, request: RangeRequest): Promise<EventRange> {
    const { after, filter, batch } = request;
    if (after < 0) throw cursorExpired(encodePosition(after), 'evicted');
    await purged.assertServed(tenantId, after);
    const safe = await positions.currentHead(tenantId);
    const head = Math.max(safe.head, request.through ?? 0);
    if (after > head) {
      const highest = safe.truncated || after > safe.highest ? await positions.highestPosition(tenantId) : safe.highest;
      if (after > highest) throw cursorExpired(encodePosition(after), 'beyond-head');
    }
    const end = Math.min(head, request.upTo ?? Infinity);
    return { head: end, pages: windowPages(tenantId, filter, after, end, Math.max(1, batch)) };
  };
}
