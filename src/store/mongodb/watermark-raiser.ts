import type { Logger } from 'pino';
import type { StoreCollections } from './collections.ts';
import { isDuplicateKey } from './errors.ts';

export interface WatermarkRaiserOptions {
  collections: Pick<StoreCollections, 'watermarks'>;
  /**
   * How long this process keeps trying to cover a range it filled. Past it
   * the range is dropped: a reader's scan has covered it by then or will
   * (a hole below it outlives the readers' grace period only as a tombstone).
   */
  retryForMs: number;
  log: Logger;
}

/** [first, last] position ranges this process filled above the watermark: sorted, disjoint, not adjacent. */
type Range = { first: number; last: number; at: number };

interface Backlog {
  ranges: Range[];
  timer: NodeJS.Timeout | null;
  delay: number;
  raising: Promise<void> | null;
}

const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;

/**
 * Writers keep the safe watermark up, so readers rarely scan (docs/ARCHITECTURE.md §5).
 *
 * A writer knows the block it archived is filled, but may raise the watermark
 * over it only once everything below is filled too, i.e. when the watermark
 * already reaches the block's start: `updateOne({ _id, safe: { $gte: first - 1 } },
 * { $max: { safe: last } })`. Blocks of one process finish out of order
 * under concurrency, and several processes interleave theirs, so a block
 * often finds the watermark below it. This process then keeps the range,
 * merges it with the ones next to it, and tries again, on its next filled
 * block and on a short timer, until the watermark reaches it: the writer
 * below raises it, or a reader's scan does. A lost update on FerretDB can only
 * leave the watermark lower, never wrong.
 */
export function createWatermarkRaiser({ collections, retryForMs, log }: WatermarkRaiserOptions) {
  const { watermarks } = collections;
  const backlogs = new Map<string, Backlog>();
  let closed = false;

  /** True when the watermark now covers `range` (it reached `first - 1`, so `last` is safe too). */
  async function cover(tenantId: string, { first, last }: Range): Promise<boolean> {
    const filter = { _id: tenantId, safe: { $gte: first - 1 } };
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await watermarks.updateOne(filter, { $max: { safe: last } }, { upsert: first === 1 });
        return result.matchedCount + result.upsertedCount > 0;
      } catch (error) {
        // A racing first upsert: the document exists now, so the plain update decides.
        if (!isDuplicateKey(error) || attempt > 0) throw error;
      }
    }
  }

  function add(backlog: Backlog, first: number, last: number): void {
    const ranges = backlog.ranges;
    ranges.push({ first, last, at: Date.now() });
    ranges.sort((a, b) => a.first - b.first);
    const merged: Range[] = [];
    for (const range of ranges) {
      const previous = merged.at(-1);
      if (previous && range.first <= previous.last + 1) {
        previous.last = Math.max(previous.last, range.last);
        previous.at = Math.min(previous.at, range.at);
      } else merged.push({ ...range });
    }
    backlog.ranges = merged;
  }

  /** Covers ranges from the lowest up while the watermark reaches them; keeps the rest for later. */
  async function raise(tenantId: string, backlog: Backlog): Promise<void> {
    const cutoff = Date.now() - retryForMs;
    backlog.ranges = backlog.ranges.filter((range) => range.at >= cutoff);
    for (let lowest = backlog.ranges[0]; lowest && !closed; lowest = backlog.ranges[0]) {
      const { last } = lowest;
      if (!(await cover(tenantId, lowest))) break;
      // Ranges added meanwhile may have merged with the covered one: keep only what lies above it.
      backlog.ranges = backlog.ranges.filter((range) => range.last > last).map((range) => (range.first > last ? range : { ...range, first: last + 1 }));
    }
  }

  function schedule(tenantId: string, backlog: Backlog): void {
    if (closed || backlog.timer || backlog.raising) return;
    if (!backlog.ranges.length) {
      backlogs.delete(tenantId);
      return;
    }
    backlog.timer = setTimeout(() => {
      backlog.timer = null;
      backlog.delay = Math.min(backlog.delay * 2, MAX_RETRY_MS);
      void run(tenantId, backlog);
    }, backlog.delay);
    backlog.timer.unref();
  }

  /** One raise at a time per tenant; ranges added meanwhile wait for the next. */
  function run(tenantId: string, backlog: Backlog): Promise<void> {
    if (backlog.raising) return backlog.raising;
    backlog.raising = raise(tenantId, backlog)
      .catch((error: unknown) => log.warn({ err: error, tenantId }, 'raising the safe watermark failed; readers will'))
      .finally(() => {
        backlog.raising = null;
        schedule(tenantId, backlog);
      });
    return backlog.raising;
  }

  return {
    /**
     * Records that every position in [first, last] is filled (archived by
     * this process, taken by another writer, or tombstoned), and raises the
     * watermark over it when everything below is filled. Resolves once this
     * attempt is over, so a lone writer's event is under the watermark when
     * its append returns; never rejects.
     */
    async filled(tenantId: string, first: number, last: number): Promise<void> {
      if (closed) return;
      let backlog = backlogs.get(tenantId);
      if (!backlog) backlogs.set(tenantId, (backlog = { ranges: [], timer: null, delay: FIRST_RETRY_MS, raising: null }));
      add(backlog, first, last);
      backlog.delay = FIRST_RETRY_MS;
      if (backlog.raising) await backlog.raising; // then once more with this range in
      await run(tenantId, backlog);
    },

    close(): void {
      closed = true;
      for (const backlog of backlogs.values()) if (backlog.timer) clearTimeout(backlog.timer);
      backlogs.clear();
    },
  };
}
