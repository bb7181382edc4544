import type { StoreCollections } from './collections.ts';
import { isDuplicateKey } from './errors.ts';

interface Request {
  count: number;
  atLeast: number;
  /** A give-back instead of a proposal: the counter's value it expects (the block's last position). */
  last?: number;
  resolve: (first: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Proposes position blocks from the per-tenant counter. Requests of one
 * tenant from this process go out one `$inc` at a time, coalesced: fewer
 * round trips under load, and no lost updates between this process's own
 * requests on servers whose updates are not atomic (FerretDB v1).
 */
export function createPositionAllocator({ counters }: Pick<StoreCollections, 'counters'>) {
  const queues = new Map<string, Request[]>();

  async function drain(tenantId: string, queue: Request[]): Promise<void> {
    while (queue.length) {
      const taken = queue.splice(0, queue.length);
      // Give-backs first, one at a time: each is decided by the counter still standing at its block's end.
      for (const r of taken.filter((r) => r.last !== undefined)) {
        try {
          const { modifiedCount } = await counters.updateOne(
            { _id: tenantId, seq: r.last! },
            { $inc: { seq: -r.count } },
          );
          r.resolve(modifiedCount);
        } catch (error) {
          r.reject(error);
        }
      }
      const batch = taken.filter((r) => r.last === undefined);
      if (!batch.length) continue;
      try {
        let next = await reserve(
          tenantId,
          batch.reduce((sum, r) => sum + r.count, 0),
          Math.max(...batch.map((r) => r.atLeast)),
        );
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
        const doc = await counters.findOneAndUpdate(
          { _id: tenantId },
          { $inc: { seq: total } },
          { upsert: true, returnDocument: 'after' },
        );
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
    return new Promise((resolve, reject) => enqueue(tenantId, { count, atLeast, resolve, reject }));
  }

  /**
   * Hands the top `count` positions of a block ending at `last` back to the counter, when no
   * proposal went past the block since (the counter still stands at `last`): positions an append
   * reserved and did not use need no tombstone then, and the next event takes them. Resolves
   * false when the counter moved on (the caller tombstones them). Through the same queue as the
   * proposals, so it never races this process's own `$inc`.
   */
  function giveBack(tenantId: string, last: number, count: number): Promise<boolean> {
    return new Promise<number>((resolve, reject) =>
      enqueue(tenantId, { count, atLeast: 0, last, resolve, reject }),
    ).then((modified) => modified > 0);
  }

  function enqueue(tenantId: string, request: Request): void {
    let queue = queues.get(tenantId);
    const idle = !queue;
    if (!queue) {
      queue = [];
      queues.set(tenantId, queue);
    }
    queue.push(request);
    if (idle) void drain(tenantId, queue);
  }

  return { allocate, giveBack };
}
