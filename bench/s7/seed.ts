import type { MongoClient } from 'mongodb';
import { createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { BENCH_TENANT, seedEvents } from './workload.ts';

/**
 * Stores `total` events through the hub's own MongoDB store (`append`, in
 * batches), so the archive holds exactly what the hub would have written:
 * ids, positions, buckets, indexes. No live copy (nothing here reads it).
 */
export async function seed(client: MongoClient, dbName: string, total: number, batch = 500): Promise<number> {
  const store = await createMongoEventStore({
    client,
    dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 0,
  });
  try {
    for (let from = 0; from < total; from += batch) {
      const outcomes = await store.append(seedEvents(from, Math.min(from + batch, total), total));
      const refused = outcomes.filter((o) => o.status !== 'ACCEPTED');
      if (refused.length)
        throw new Error(`seeding: ${refused.length} events not accepted: ${JSON.stringify(refused[0])}`);
    }
    return await store.headPosition(BENCH_TENANT);
  } finally {
    await store.close();
  }
}
