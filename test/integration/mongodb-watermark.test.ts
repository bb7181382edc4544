// The safe watermark follows the writers (docs/ARCHITECTURE.md §5): when every proposed position is
// filled, readers learn the safe head from two `_id` reads and never scan the archive, which on
// FerretDB is a scan of the whole collection per query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { COLLECTIONS, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo, type TestMongo } from '../support/servers.ts';

const ALL = compileFilter(null);

/** A store on a client of its own whose commands on the archive are counted. */
async function monitoredStore(t: { after(fn: () => Promise<void>): void }, mongo: TestMongo) {
  const client = new MongoClient(mongo.url, { monitorCommands: true });
  t.after(() => client.close());
  const archiveReads: string[] = [];
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const target = event.command[event.commandName];
    if ((event.commandName === 'find' || event.commandName === 'aggregate') && target === COLLECTIONS.archive) {
      archiveReads.push(JSON.stringify(event.command['filter'] ?? event.command['pipeline']));
    }
  });
  const store = await createMongoEventStore({
    client,
    dbName: mongo.dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 0,
  });
  t.after(() => store.close());
  return { store, archiveReads };
}

const append = async (store: EventStore, count: number) => {
  const outcomes = await store.append(Array.from({ length: count }, () => pendingEvent()));
  for (const outcome of outcomes)
    assert.equal(
      outcome.status,
      'ACCEPTED',
      outcome.status === 'FAILED' ? `${outcome.error.message} (${String(outcome.error.cause)})` : undefined,
    );
};

async function marks(mongo: TestMongo) {
  const watermark = await mongo.db
    .collection<{ _id: string; safe: number }>(COLLECTIONS.watermarks)
    .findOne({ _id: 'acme' });
  const counter = await mongo.db
    .collection<{ _id: string; seq: number }>(COLLECTIONS.counters)
    .findOne({ _id: 'acme' });
  return { safe: watermark?.safe ?? 0, seq: counter?.seq ?? 0 };
}

describe('MongoDB store: the watermark follows the writers', () => {
  it('answers the head and a read at the head from the watermark alone, after sequential and concurrent appends', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const { store, archiveReads } = await monitoredStore(t, mongo);
    for (let i = 0; i < 3; i++) await append(store, 2);
    // Concurrent appends of one process finish out of order; each covers what it can, the last one the rest.
    await Promise.all(Array.from({ length: 6 }, (_, i) => append(store, 1 + (i % 3))));
    assert.deepEqual(await marks(mongo), { safe: 18, seq: 18 });

    archiveReads.length = 0;
    assert.equal(await store.headPosition('acme'), 18);
    assert.deepEqual(await store.readAfter('acme', 18, ALL, 10), []);
    assert.deepEqual(archiveReads, [], 'the archive was read although the watermark had the answer');

    // A read below the head reads just its page.
    const page = await store.readAfter('acme', 10, ALL, 100);
    assert.deepEqual(
      page.map((e) => e.position),
      [11, 12, 13, 14, 15, 16, 17, 18],
    );
    assert.equal(archiveReads.length, 1);
  });

  it('brings the watermark up to the counter when two processes interleave their blocks, with no reader involved', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const writers = await Promise.all([monitoredStore(t, mongo), monitoredStore(t, mongo)]);
    await Promise.all(
      writers.map(async ({ store }) => {
        for (let i = 0; i < 6; i++) await Promise.all([append(store, 2), append(store, 1)]);
      }),
    );
    // A block that found the watermark below it is retried by its writer until the one below is covered.
    const deadline = Date.now() + 10_000;
    let current = await marks(mongo);
    while (current.safe < current.seq && Date.now() < deadline) {
      await sleep(20);
      current = await marks(mongo);
    }
    const stored = await mongo.db
      .collection(COLLECTIONS.archive)
      .countDocuments({ tenantId: 'acme', gap: { $ne: true } });
    assert.equal(stored, 36);
    assert.ok(current.seq >= 36, `counter at ${current.seq}`);
    // ≥: on FerretDB a lost counter update can leave the counter below positions in use.
    assert.ok(
      current.safe >= current.seq,
      `the watermark stayed at ${current.safe}, below the counter at ${current.seq}`,
    );
    for (const { archiveReads } of writers) assert.deepEqual(archiveReads, [], 'a writer scanned the archive');
  });

  it('puts the watermark back where this writer proved it when a racing write took it lower (FerretDB updates are read-modify-write)', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const { store, archiveReads } = await monitoredStore(t, mongo);
    await append(store, 2);
    assert.deepEqual(await marks(mongo), { safe: 2, seq: 2 });
    // Another writer holds position 3 and has not written it, so this writer's event at 4 waits, retrying.
    await mongo.db
      .collection<{ _id: string; seq: number }>(COLLECTIONS.counters)
      .updateOne({ _id: 'acme' }, { $inc: { seq: 1 } });
    await append(store, 1);
    // What a lower `$max` landing after a higher one leaves: a true value, but lower.
    await mongo.db
      .collection<{ _id: string; safe: number }>(COLLECTIONS.watermarks)
      .updateOne({ _id: 'acme' }, { $set: { safe: 0 } });

    const deadline = Date.now() + 5_000;
    let current = await marks(mongo);
    while (current.safe < 2 && Date.now() < deadline) {
      await sleep(20);
      current = await marks(mongo);
    }
    assert.deepEqual(current, { safe: 2, seq: 4 }, 'the watermark is back at 2 and stays below the hole at 3');
    assert.deepEqual(archiveReads, [], 'the writer scanned the archive');
  });
});
