import type { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';
import { gapTombstone } from '../../src/store/mongodb/documents.ts';
import { COLLECTIONS, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { BENCH_TENANT, eventInput } from '../cluster-support/workload.ts';

export interface Seeded {
  events: number;
  /** Positions holding a gap tombstone instead of an event. */
  tombstones: number[];
  /** The highest position in the archive. */
  highest: number;
  seconds: number;
}

/** Where the seed leaves a tombstone: a quarter, half and three quarters of the way. */
const TOMBSTONE_AT = [0.25, 0.5, 0.75] as const;

/**
 * Stores `count` events of the bench tenant through the hub's own MongoDB
 * store (`append` in batches, as a publishEvents of that size would), with
 * the store's default write concern and no live copy (nothing reads it).
 *
 * At three points it leaves what a writer that reserved a position and
 * crashed leaves once a reader has passed it: a gap tombstone at the next
 * position, with the counter moved past it, so the check sees positions that
 * are contiguous except for tombstones. The watermark is then set to the top
 * (every position up to it is filled: the watermark's invariant), as the
 * first reader's scan would have left it.
 */
export async function seed(
  client: MongoClient,
  dbName: string,
  count: number,
  batch: number,
  progress: (done: number) => void,
): Promise<Seeded> {
  const started = performance.now();
  const store = await createMongoEventStore({
    client,
    dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 0,
    log: pino({ level: 'warn' }),
  });
  const db = client.db(dbName);
  const marks = TOMBSTONE_AT.map((at) => Math.floor(count * at));
  const tombstones: number[] = [];
  let highest = 0;
  try {
    for (let done = 0; done < count; ) {
      const size = Math.min(batch, count - done, ...marks.filter((m) => m > done).map((m) => m - done));
      const now = new Date();
      const events = Array.from({ length: size }, (_, i) =>
        toPendingEvent(eventInput({ seq: done + i }), { tenantId: BENCH_TENANT, now, maxEventBytes: 1_048_576 }),
      );
      const outcomes = await store.append(events);
      for (const outcome of outcomes) {
        if (outcome.status !== 'ACCEPTED') throw new Error(`seeding: append answered ${outcome.status}`);
        highest = Math.max(highest, outcome.event.position);
      }
      done += size;
      if (marks.includes(done) && done < count) {
        highest += 1;
        await db.collection(COLLECTIONS.archive).insertOne(gapTombstone(BENCH_TENANT, highest) as never);
        await db.collection(COLLECTIONS.counters).updateOne({ _id: BENCH_TENANT as never }, { $max: { seq: highest } });
        tombstones.push(highest);
      }
      progress(done);
    }
    await db
      .collection(COLLECTIONS.watermarks)
      .updateOne({ _id: BENCH_TENANT as never }, { $max: { safe: highest } }, { upsert: true });
  } finally {
    await store.close();
  }
  return { events: count, tombstones, highest, seconds: (performance.now() - started) / 1000 };
}
