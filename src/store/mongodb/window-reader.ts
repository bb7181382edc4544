import type { Collection } from 'mongodb';
import type { CompiledFilter } from '../../filter/index.ts';
import { createMatcher } from '../../filter/match.ts';
import type { StoredEvent } from './documents.ts';

/**
 * Positions one window read fetches at most. The window serves recent reads
 * (a resume, a catch-up, the newest pages); anything longer goes to the archive.
 */
export const WINDOW_READ_LIMIT = 1000;

/** The first batch of a window read; the rest follow only while the positions stay consecutive. */
const PROBE_BATCH = 100;

export interface WindowReaderOptions {
  /** The capped live collection; null when there is none (then every read goes to the archive). */
  live: Collection<StoredEvent> | null;
  maxTimeMS: number;
}

/** A walk over consecutive positions: from `start` to `end` (both included) in `direction`; empty if `end` lies behind `start`. */
export interface WindowWalk {
  tenantId: string;
  filter: CompiledFilter;
  start: number;
  end: number;
  direction: 1 | -1;
  /** Stop after this many matching events. */
  want: number;
}

/**
 * Reads from the capped live collection, the recent window of the archive,
 * but only what it can prove it holds completely. The copy is best effort
 * and written after the acknowledgement: a copy can be missing (dropped, or
 * the process died), late, or evicted, and the archive holds tombstones the
 * window never has. So the window is read without the caller's filter, and
 * the answer is taken only if the positions it returns are consecutive from
 * the first asked — every position present, each an event — up to the last
 * the answer needs (the `want`-th match, or `end`). Then the archive would
 * have returned exactly the same events; otherwise the caller reads the
 * archive. The filter runs in process (mingo, MongoDB's semantics).
 *
 * Returns the matching events in walk order, or null for "ask the archive".
 */
export function createWindowReader({ live, maxTimeMS }: WindowReaderOptions) {
  async function walk({ tenantId, filter, start, end, direction, want }: WindowWalk): Promise<StoredEvent[] | null> {
    if (!live) return null;
    const up = direction === 1;
    const span = (end - start) * direction + 1;
    if (span <= 0 || want <= 0) return [];
    const position = up ? { $gte: start, $lte: end } : { $lte: start, $gte: end };
    const limit = Math.min(span, WINDOW_READ_LIMIT);
    // A small first batch: a window that lacks the first positions is found out after one batch, not 1,000 documents.
    const cursor = live.find(
      { tenantId, position },
      { sort: { position: up ? 1 : -1 }, limit, batchSize: Math.min(limit, PROBE_BATCH), maxTimeMS },
    );
    const matches = createMatcher(filter);
    const found: StoredEvent[] = [];
    let expected = start;
    try {
      for await (const doc of cursor) {
        if (doc.position !== expected) return null; // a hole: a copy missing, evicted, or a tombstone in the archive
        if (matches(doc)) found.push(doc);
        if (found.length >= want) return found;
        expected += direction;
      }
    } finally {
      await cursor.close();
    }
    // Every position through `end` seen (or an empty walk): complete.
    return (expected - start) * direction === span ? found : null;
  }

  return {
    walk,
    /** Whether reads can be served at all (a live collection exists). */
    get enabled() {
      return live !== null;
    },
  };
}

export type WindowReader = ReturnType<typeof createWindowReader>;
