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
  /** The highest position this process has seen safe: everything up to it is filled, for good. */
  proven: number;
  /** Read-backs that found the watermark at `proven` or above since this process last raised it. */
  checks: number;
  /** Rewrites of the watermark to `proven` since this process last raised it. */
  repairs: number;
  timer: NodeJS.Timeout | null;
  delay: number;
  running: Promise<void> | null;
}

const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;
/** When to read the watermark back after raising it, counted from the raise, then from each good read. */
const CHECK_AFTER_MS = [50, 500] as const;
/** Rewrites of a watermark that keeps reading back low before this process leaves it to readers. */
const MAX_REPAIRS = 5;

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
 * below raises it, or a reader's scan does.
 *
 * On a server whose updates are read-modify-write (FerretDB v1), two writers
 * whose filters both matched can land in either order, and the lower `$max`
 * may overwrite the higher: the watermark goes back, to a value still true
 * but lower. So each process remembers the highest value it has seen safe
 * (`proven`), raises to it without the condition when a later block needs it,
 * and reads the watermark back a little after raising it, rewriting it when it
 * went back.
 */
export function createWatermarkRaiser({ collections, retryForMs, log }: WatermarkRaiserOptions) {
  const { watermarks } = collections;
  const backlogs = new Map<string, Backlog>();
  let closed = false;

  /** `$max` of the watermark to `value`, only when it reaches `reaches` (no condition when undefined). */
  async function raiseTo(tenantId: string, value: number, reaches?: number): Promise<boolean> {
    const filter = reaches === undefined ? { _id: tenantId } : { _id: tenantId, safe: { $gte: reaches } };
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await watermarks.updateOne(
          filter,
          { $max: { safe: value } },
          { upsert: reaches === undefined || reaches === 0 },
        );
        return result.matchedCount + result.upsertedCount > 0;
      } catch (error) {
        // A racing first upsert: the document exists now, so the plain update decides.
        if (!isDuplicateKey(error) || attempt > 0) throw error;
      }
    }
  }

  /** True when the watermark now covers `range`: it reached `first - 1`, or this process knows that much is safe. */
  function cover(tenantId: string, backlog: Backlog, { first, last }: Range): Promise<boolean> {
    return raiseTo(tenantId, last, backlog.proven >= first - 1 ? undefined : first - 1);
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
      if (!(await cover(tenantId, backlog, lowest))) break;
      backlog.proven = Math.max(backlog.proven, last);
      backlog.checks = 0;
      backlog.repairs = 0;
      // Ranges added meanwhile may have merged with the covered one: keep only what lies above it.
      backlog.ranges = backlog.ranges
        .filter((range) => range.last > last)
        .map((range) => (range.first > last ? range : { ...range, first: last + 1 }));
    }
  }

  /** Reads the watermark back; rewrites it to `proven` when a racing write took it lower. */
  async function check(tenantId: string, backlog: Backlog): Promise<void> {
    const safe = (await watermarks.findOne({ _id: tenantId }))?.safe ?? 0;
    if (safe >= backlog.proven) return void backlog.checks++;
    if (backlog.repairs >= MAX_REPAIRS) {
      log.warn(
        { tenantId, safe, proven: backlog.proven },
        'the safe watermark keeps going back; leaving it to readers',
      );
      backlog.checks = CHECK_AFTER_MS.length;
      return;
    }
    log.debug({ tenantId, safe, proven: backlog.proven }, 'the safe watermark went back; raising it again');
    await raiseTo(tenantId, backlog.proven);
    backlog.repairs++;
    backlog.checks = 0;
  }

  /** What is left to do for `backlog`, on a timer: retry its ranges, or read the watermark back. */
  function schedule(tenantId: string, backlog: Backlog): void {
    if (closed || backlog.timer || backlog.running) return;
    let delay: number;
    if (backlog.ranges.length) {
      delay = backlog.delay;
      backlog.delay = Math.min(backlog.delay * 2, MAX_RETRY_MS);
    } else if (backlog.checks < CHECK_AFTER_MS.length) {
      delay = CHECK_AFTER_MS[backlog.checks]!;
    } else {
      if (backlogs.get(tenantId) === backlog) backlogs.delete(tenantId);
      return;
    }
    backlog.timer = setTimeout(() => {
      backlog.timer = null;
      void run(tenantId, backlog, true);
    }, delay);
    backlog.timer.unref();
  }

  /**
   * One attempt at a time per tenant; ranges added meanwhile wait for the
   * next. A retry reads the watermark back first: a range can be stuck
   * behind a watermark that went back below what this process proved.
   */
  function run(tenantId: string, backlog: Backlog, retry = false): Promise<void> {
    if (backlog.running) return backlog.running;
    const work = async () => {
      if (retry && backlog.proven > 0) await check(tenantId, backlog);
      if (backlog.ranges.length) await raise(tenantId, backlog);
    };
    backlog.running = work()
      .catch((error: unknown) => log.warn({ err: error, tenantId }, 'raising the safe watermark failed; readers will'))
      .finally(() => {
        backlog.running = null;
        schedule(tenantId, backlog);
      });
    return backlog.running;
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
      if (!backlog) {
        backlog = {
          ranges: [],
          proven: 0,
          checks: CHECK_AFTER_MS.length,
          repairs: 0,
          timer: null,
          delay: FIRST_RETRY_MS,
          running: null,
        };
        backlogs.set(tenantId, backlog);
      }
      add(backlog, first, last);
      backlog.delay = FIRST_RETRY_MS;
      if (backlog.timer) clearTimeout(backlog.timer); // this call runs now, and schedules what is left
      backlog.timer = null;
      if (backlog.running) await backlog.running; // then once more with this range in
      await run(tenantId, backlog);
    },

    close(): void {
      closed = true;
      for (const backlog of backlogs.values()) if (backlog.timer) clearTimeout(backlog.timer);
      backlogs.clear();
    },
  };
}
