import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { StoreCollections } from './collections.ts';
import { gapTombstone } from './documents.ts';
import { DUPLICATE_KEY, isDuplicateKey, writeErrorsOf } from './errors.ts';
import { createPositionAllocator } from './position-allocator.ts';
import { createWatermarkRaiser } from './watermark-raiser.ts';

/** How many archive positions one gap scan reads (positions only). */
const SCAN_LIMIT = 1000;

export interface PositionsOptions {
  collections: StoreCollections;
  maxTimeMS: number;
  /** How long a missing position may stay missing before a reader tombstones it. */
  gapGraceMs: number;
  log: Logger;
}

export interface SafeHead {
  /** Every position up to `head` holds an event or a tombstone. */
  head: number;
  /** The highest position this read saw in the archive (≥ head); exact unless `truncated`. */
  highest: number;
  /** The scan stopped at its limit: positions above `highest` may exist. */
  truncated: boolean;
  /** A missing position sits between `head` and `highest`. */
  blocked: boolean;
}

/**
 * Positions and the safe watermark (docs/ARCHITECTURE.md §5).
 *
 * The archive's unique (tenantId, position) index is the only arbiter: a
 * position holds one event or one tombstone. The per-tenant counter merely
 * proposes positions (atomic `$inc` on MongoDB; on FerretDB v1 concurrent
 * updates can be lost, so a proposal may be taken already, and the writer
 * just asks again). The watermark says up to where every position is
 * filled; writers raise it over their own blocks (watermark-raiser.ts), and
 * while it keeps up with the counter readers need nothing else. When it does
 * not, readers scan the archive above it: a missing position below a present
 * one is a hole; once it has been missing for the grace period it gets a
 * tombstone, so a writer that slow (or dead) can no longer commit below a
 * position a reader has passed.
 */
export function createPositions(options: PositionsOptions) {
  const { archive, counters, watermarks } = options.collections;
  const { maxTimeMS, gapGraceMs, log } = options;
  const allocator = createPositionAllocator(options.collections);
  const raiser = createWatermarkRaiser({ collections: options.collections, retryForMs: 4 * gapGraceMs, log });
  /** How long a reader waits for writers to raise the watermark before it scans for itself. */
  const watermarkWaitMs = Math.min(1000, Math.max(10, gapGraceMs / 2));
  /** tenant → a watermark value seen below the counter, and since when: a reader does not wait for it twice. */
  const stalled = new Map<string, { safe: number; since: number }>();
  /** tenant → position → when this process first saw it missing. */
  const missingSince = new Map<string, Map<number, number>>();
  const scans = new Map<string, Promise<SafeHead>>();

  async function tombstone(tenantId: string, positions: readonly number[]): Promise<void> {
    if (!positions.length) return;
    try {
      await archive.insertMany(
        positions.map((p) => gapTombstone(tenantId, p)),
        { ordered: false },
      );
    } catch (error) {
      // E11000: the late event or another reader's tombstone got there first. Either way it is filled.
      const errors = writeErrorsOf(error);
      if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
    }
    log.info({ tenantId, positions: positions.length, first: positions[0] }, 'gap positions tombstoned');
  }

  /**
   * Raises the watermark to `head`, which a scan found filled all the way
   * down. Every value ever written is true (filled positions stay filled), so
   * a lost update on FerretDB can only lower it, which costs a rescan, never
   * a wrong answer.
   */
  async function raiseWatermark(tenantId: string, head: number): Promise<void> {
    try {
      await watermarks.updateOne({ _id: tenantId }, { $max: { safe: head } }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // a racing upsert: the other one wrote a true value too
    }
  }

  /** The watermark and the counter: two `_id` reads. */
  async function marks(tenantId: string): Promise<{ safe: number; seq: number }> {
    const [watermark, counter] = await Promise.all([
      watermarks.findOne({ _id: tenantId }, { maxTimeMS }),
      counters.findOne({ _id: tenantId }, { projection: { seq: 1 }, maxTimeMS }),
    ]);
    return { safe: watermark?.safe ?? 0, seq: counter?.seq ?? 0 };
  }

  async function scan(tenantId: string, depth = 0): Promise<SafeHead> {
    const safe = (await watermarks.findOne({ _id: tenantId }, { maxTimeMS }))?.safe ?? 0;
    const present = await archive
      .find(
        { tenantId, position: { $gt: safe } },
        { projection: { _id: 0, position: 1 }, sort: { position: 1 }, limit: SCAN_LIMIT, maxTimeMS },
      )
      .toArray();
    const highest = present.at(-1)?.position ?? safe;
    const missing: number[] = [];
    let expected = safe + 1;
    for (const { position } of present) {
      for (; expected < position; expected++) missing.push(expected);
      expected = position + 1;
    }
    const head = missing.length ? missing[0]! - 1 : highest;
    // The rescan after tombstoning only reports; the next call records what it finds.
    const due = depth === 0 ? overdue(tenantId, missing) : [];
    if (due.length) {
      await tombstone(tenantId, due);
      return scan(tenantId, depth + 1);
    }
    if (head > safe) await raiseWatermark(tenantId, head);
    return { head, highest, truncated: present.length === SCAN_LIMIT, blocked: missing.length > 0 };
  }

  /** Records when each missing position was first seen; returns those missing for a whole grace period. */
  function overdue(tenantId: string, missing: readonly number[]): number[] {
    let since = missingSince.get(tenantId);
    if (!since) {
      since = new Map();
      missingSince.set(tenantId, since);
    }
    const now = Date.now();
    const stillMissing = new Set(missing);
    for (const p of since.keys()) if (!stillMissing.has(p)) since.delete(p);
    const due: number[] = [];
    for (const p of missing) {
      const first = since.get(p);
      if (first === undefined) since.set(p, now);
      else if (now - first >= gapGraceMs) due.push(p);
    }
    for (const p of due) since.delete(p);
    if (!since.size) missingSince.delete(tenantId);
    return due;
  }

  /** One scan per tenant at a time in this process; concurrent readers share it. */
  function sharedScan(tenantId: string): Promise<SafeHead> {
    let running = scans.get(tenantId);
    if (!running) {
      running = scan(tenantId).finally(() => scans.delete(tenantId));
      scans.set(tenantId, running);
    }
    return running;
  }

  /**
   * A safe head at least as high as every position filled, with everything
   * below it, before the call: the counter has proposed every position in use
   * (docs/ARCHITECTURE.md §5), so once the watermark reaches the counter's
   * value at the start, nothing that was safe then lies above it. Writers
   * raise the watermark themselves, so this is usually two `_id` reads, or a
   * short wait for the writes in flight; a watermark that does not move (a
   * writer died holding a position, or no writer could cover its block) is
   * left to a scan, which also tombstones holes past their grace period.
   */
  async function currentHead(tenantId: string): Promise<SafeHead> {
    let { safe, seq: target } = await marks(tenantId);
    const started = Date.now();
    for (let delay = 2; safe < target; delay = Math.min(2 * delay, 25)) {
      const seen = stalled.get(tenantId);
      if (seen?.safe !== safe) stalled.set(tenantId, { safe, since: Date.now() });
      else if (Date.now() - seen.since >= watermarkWaitMs) break;
      if (Date.now() - started >= watermarkWaitMs) break;
      await sleep(delay);
      safe = (await watermarks.findOne({ _id: tenantId }, { maxTimeMS }))?.safe ?? 0;
    }
    if (safe < target) return sharedScan(tenantId);
    stalled.delete(tenantId);
    return { head: safe, highest: safe, truncated: false, blocked: false };
  }

  /**
   * The highest safe position a scan finds. Without `waitPast` it never waits. With it, a
   * caller that has nothing to read below a hole (`head <= waitPast`) waits
   * until the hole is filled by its writer or, after the grace period, by a
   * tombstone.
   */
  async function safeHead(tenantId: string, waitPast?: number): Promise<SafeHead> {
    const deadline = Date.now() + 2 * gapGraceMs + 1000;
    let delay = 5;
    for (;;) {
      const result = await sharedScan(tenantId);
      if (!result.blocked || waitPast === undefined || result.head > waitPast || Date.now() > deadline) return result;
      await sleep(delay);
      delay = Math.min(delay * 2, Math.max(10, gapGraceMs / 4));
    }
  }

  /** The highest position in the archive, tombstones included (0 when empty). */
  async function highestPosition(tenantId: string): Promise<number> {
    const [top] = await archive
      .find({ tenantId }, { projection: { _id: 0, position: 1 }, sort: { position: -1 }, limit: 1, maxTimeMS })
      .toArray();
    return top?.position ?? 0;
  }

  return {
    allocate: allocator.allocate,
    tombstone,
    /** A writer filled [first, last]: raise the watermark over it as soon as everything below is filled. */
    markFilled: (tenantId: string, first: number, last: number) => raiser.filled(tenantId, first, last),
    currentHead,
    safeHead,
    highestPosition,
    close: () => raiser.close(),
  };
}

export type Positions = ReturnType<typeof createPositions>;
