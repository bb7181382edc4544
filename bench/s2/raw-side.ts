import type { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { COLLECTIONS } from '../../src/store/mongodb/index.ts';
import { setUpCollections } from '../../src/store/mongodb/collections.ts';
import type { StoredEvent } from '../../src/store/mongodb/documents.ts';
import { cpuDuring } from '../support/cpu.ts';
import { drive } from './drive.ts';
import type { SideOptions, SideResult } from './side.ts';
import { BENCH_TENANT, archiveDocuments, batchInputs } from './workload.ts';

/**
 * One round of the baseline: the documents the hub's archive would hold for
 * the same inputs, written with the driver's `insertMany` (unordered, as the
 * hub's archive insert) with the same write concern into a database of its
 * own, by default with the archive's own collection and indexes
 * (`setUpCollections`, no live collection). Documents are built before the
 * clock starts; every insert must acknowledge its whole batch.
 */
export async function runRawSide(client: MongoClient, options: SideOptions): Promise<SideResult> {
  const { dbName, batches, batchSize, concurrency, warmupBatches, writeConcern, journal, keyed, runId } = options;
  const db = client.db(dbName);
  const wc = { w: writeConcern, j: journal };
  if (options.rawIndexes === 'hub') {
    await setUpCollections(db, { liveCollectionBytes: 0, writeConcern: wc, log: pino({ enabled: false }) });
  } else {
    await db.createCollection(COLLECTIONS.archive);
  }
  const archive = db.collection<StoredEvent>(COLLECTIONS.archive, { writeConcern: wc });

  let position = 0;
  const docsOf = (inputs: Parameters<typeof archiveDocuments>[0]) => {
    const docs = archiveDocuments(inputs, position + 1);
    position += docs.length;
    return docs;
  };
  const insert = async (docs: StoredEvent[]) => {
    const result = await archive.insertMany(docs, { ordered: false });
    if (result.insertedCount !== docs.length)
      throw new Error(`raw: ${result.insertedCount} of ${docs.length} inserted`);
  };
  for (let b = 0; b < warmupBatches; b++)
    await insert(docsOf(batchInputs(b, batchSize, { runId: `${runId}-warm`, keyed })));
  const prepared = Array.from({ length: batches }, (_, b) => docsOf(batchInputs(b, batchSize, { runId, keyed })));

  const { result: seconds, cpuMs } = await cpuDuring(options.pids, () =>
    drive(batches, concurrency, (b) => insert(prepared[b]!)),
  );

  const total = (warmupBatches + batches) * batchSize;
  const events = await archive.countDocuments({ tenantId: BENCH_TENANT });
  if (events !== total) throw new Error(`raw: ${total} documents acknowledged, the collection holds ${events}`);
  return { eventsPerSecond: (batches * batchSize) / seconds, seconds, cpuMs, stored: { events } };
}
