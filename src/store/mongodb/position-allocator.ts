import type { StoreCollections } from './collections.ts';
import { isDuplicateKey } from './errors.ts';

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
export function createPositionAllocator({ counters }: Pick<StoreCollections, 'counters'>) {
  const queues = new Map<string, Request[]>();

  async function drain(tenantId: string, queue: Request[]): Promise<void> {
    while (queue.length) {
      const batch = queue.splice(0, queue.length);
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
    return new Promise((resolve, reject) => {
      let queue = queues.get(tenantId);
      const idle = !queue;
      if (!queue) {
        queue = [];
        queues.set(tenantId, queue);
      }
      queue.push({ count, atLeast, resolve, reject });
      if (idle) void drain(tenantId, queue);
    });
  }

  return { allocate };
}
