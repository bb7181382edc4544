import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { StoreCollections } from './collections.ts';
import { gapTombstone } from './documents.ts';
import { DUPLICATE_KEY, isDuplicateKey, writeErrorsOf } from './errors.ts';

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
  /** The highest position this scan saw in the archive (≥ head); exact unless `truncated`. */
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
 * just asks again). Readers look only at the archive: a missing position
 * below a present one is a hole; once it has been missing for the grace
 * period it gets a tombstone, so a writer that slow (or dead) can no longer
 * commit below a position a reader has passed.
 */
export function createPositions(options: PositionsOptions) {
  const { archive, counters, watermarks } = options.collections;
  const { maxTimeMS, gapGraceMs, log } = options;
  const allocator = createAllocator(options);
  /** tenant → position → when this process first saw it missing. */
  const missingSince = new Map<string, Map<number, number>>();
  const scans = new Map<string, Promise<SafeHead>>();

  async function tombstone(tenantId: string, positions: readonly number[]): Promise<void> {
    if (!positions.length) return;
    try {
      await archive.insertMany(positions.map((p) => gapTombstone(tenantId, p)), { ordered: false });
    } catch (error) {
      // E11000: the late event or another reader's tombstone got there first. Either way it is filled.
      const errors = writeErrorsOf(error);
      if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
    }
    log.info({ tenantId, positions: positions.length, first: positions[0] }, 'gap positions tombstoned');
  }

  /**
   * Raises the watermark to `head`. Every value ever written is true (filled
   * positions stay filled), so a lost update on FerretDB can only lower it,
   * which costs a rescan, never a wrong answer.
   */
  async function raiseWatermark(tenantId: string, head: number, expected?: number): Promise<void> {
    const filter = expected === undefined ? { _id: tenantId } : { _id: tenantId, safe: expected };
    try {
      await watermarks.updateOne(filter, { $max: { safe: head } }, { upsert: expected === undefined || expected === 0 });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // a racing upsert, or `expected` no longer holds
    }
  }

  /** Moves the watermark over a block its writer filled, when the watermark stands right below it. */
  const markFilled = (tenantId: string, first: number, last: number) => raiseWatermark(tenantId, last, first - 1);

  async function scan(tenantId: string, depth = 0): Promise<SafeHead> {
    const safe = (await watermarks.findOne({ _id: tenantId }, { maxTimeMS }))?.safe ?? 0;
    const present = await archive
      .find({ tenantId, position: { $gt: safe } }, { projection: { _id: 0, position: 1 }, sort: { position: 1 }, limit: SCAN_LIMIT, maxTimeMS })
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
    if (!since) missingSince.set(tenantId, (since = new Map()));
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
   * The highest safe position. Without `waitPast` it never waits. With it, a
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

  return { allocate: allocator.allocate, tombstone, markFilled, safeHead, highestPosition };
}

export type Positions = ReturnType<typeof createPositions>;

interface Request {
  count: number;
  atLeast: number;
  resolve: (first: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Proposes position blocks from the per-tenant counter. Requests of one
 * tenant from this process go out one `$inc` at a time, coalesced: fewer
 * round trips under load, and no lost updates between this process's own
 * requests on servers whose updates are not atomic (FerretDB v1).
 */
function createAllocator(options: PositionsOptions) {
  const { counters } = options.collections;
  const queues = new Map<string, Request[]>();

  async function drain(tenantId: string, queue: Request[]): Promise<void> {
    while (queue.length) {
      const batch = queue.splice(0, queue.length);
      try {
        let next = await reserve(tenantId, batch.reduce((sum, r) => sum + r.count, 0), Math.max(...batch.map((r) => r.atLeast)));
        for (const r of batch) {
          r.resolve(next);
          next += r.count;
        }
      } catch (error) {
        for (const r of batch) r.reject(error);
      }
    }
    queues.delete(tenantId);
  }

  async function reserve(tenantId: string, total: number, atLeast: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (atLeast > 0) await counters.updateOne({ _id: tenantId }, { $max: { seq: atLeast } }, { upsert: true });
        const doc = await counters.findOneAndUpdate({ _id: tenantId }, { $inc: { seq: total } }, { upsert: true, returnDocument: 'after' });
        if (!doc) throw new Error('position counter upsert returned no document');
        return doc.seq - total + 1;
      } catch (error) {
        // Two processes' first-ever upserts of one tenant can race on `_id`; the loser asks again.
        if (!isDuplicateKey(error) || attempt >= 3) throw error;
      }
    }
  }

  /** Proposes `count` consecutive positions above `atLeast`; resolves with the first. */
  function allocate(tenantId: string, count: number, atLeast = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      let queue = queues.get(tenantId);
      const idle = !queue;
      if (!queue) queues.set(tenantId, (queue = []));
      queue.push({ count, atLeast, resolve, reject });
      if (idle) void drain(tenantId, queue);
    });
  }

  return { allocate };
}
