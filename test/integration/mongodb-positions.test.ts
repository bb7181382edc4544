// Safe positions (docs/ARCHITECTURE.md §5): a reader never returns an event at p while a lower
// position can still appear. Positions reserved but never written are filled with tombstones
// after a grace period; a writer that comes back later gets a fresh position.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { AppendOutcome, EventStore } from '../../src/store/event-store.ts';
import { COLLECTIONS, createMongoEventStore, type AppendFaults } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo, type TestMongo } from '../support/servers.ts';
import { gate } from '../support/gate.ts';

const ALL = compileFilter(null);
const GRACE_MS = 150;

const openStore = (mongo: TestMongo, faults: AppendFaults = {}): Promise<EventStore> =>
  createMongoEventStore({
    client: mongo.client,
    dbName: mongo.dbName,
    idempotencyWindowMs: 86_400_000,
    gapGraceMs: GRACE_MS,
    liveCollectionBytes: 1 << 20,
    faults,
  });

const accepted = (outcome: AppendOutcome | undefined): HubEvent => {
  assert.equal(outcome?.status, 'ACCEPTED');
  return (outcome as { event: HubEvent }).event;
};
const ids = (events: readonly HubEvent[]) => events.map((e) => e.id);

describe('MongoDB store: safe positions', () => {
  it('gets past a position whose writer died: readAfter waits out the grace period, then continues', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const store = await openStore(mongo);
    const dying = await openStore(mongo, {
      afterPosition: () => {
        throw new Error('writer died after reserving its position');
      },
    });
    const [e1] = (await store.append([pendingEvent()])).map(accepted);
    await assert.rejects(dying.append([pendingEvent()]));
    const [e3] = (await store.append([pendingEvent()])).map(accepted);
    assert.deepEqual([e1!.position, e3!.position], [1, 3]);

    // The grace period runs from when this store first sees the hole: the next line at the earliest.
    const started = Date.now();
    // Event 1 lies below the hole and comes at once; nothing past the hole is safe yet.
    assert.equal(await store.headPosition('acme'), 1);
    assert.deepEqual(ids(await store.readAfter('acme', 0, ALL, 10)), [e1!.id]);

    assert.deepEqual(ids(await store.readAfter('acme', 1, ALL, 10)), [e3!.id]);
    assert.ok(Date.now() - started >= GRACE_MS, 'returned past the hole before the grace period');
    assert.equal(await store.headPosition('acme'), 3);

    // The tombstone is invisible to every read.
    assert.deepEqual(ids((await store.query('acme', { filter: ALL, first: 10, order: 'DESC' })).events), [
      e3!.id,
      e1!.id,
    ]);
    assert.deepEqual(await store.stats('acme', ALL, 'TYPE'), [{ key: e1!.type, count: 2 }]);
    const tombstones = await mongo.db.collection(COLLECTIONS.archive).countDocuments({ gap: true });
    assert.equal(tombstones, 1);
    await Promise.all([store.close(), dying.close()]);
  });

  it('re-positions a writer that comes back after its position was tombstoned; readers get the event once', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const afterPosition = gate();
    const late = await openStore(mongo, { afterPosition: afterPosition.hold });
    const store = await openStore(mongo);

    const [e1] = (await store.append([pendingEvent()])).map(accepted);
    const lateEvent = pendingEvent({ payload: { late: true } });
    const lateAppend = late.append([lateEvent]);
    await afterPosition.reached; // position 2 is reserved and empty
    const [e3] = (await store.append([pendingEvent()])).map(accepted);

    const delivered: HubEvent[] = [];
    const read = async () => {
      const next = await store.readAfter('acme', delivered.at(-1)?.position ?? 0, ALL, 10);
      delivered.push(...next);
      return next;
    };
    await read(); // e1
    await read(); // waits for position 2, tombstones it, then e3
    assert.deepEqual(ids(delivered), [e1!.id, e3!.id]);

    afterPosition.release();
    const lateStored = accepted((await lateAppend)[0]);
    assert.equal(lateStored.id, lateEvent.id);
    assert.ok(lateStored.position > e3!.position, `late event got position ${lateStored.position}`);
    await read();
    assert.deepEqual(ids(delivered), [e1!.id, e3!.id, lateEvent.id]);
    assert.deepEqual(await read(), []);
    assert.deepEqual(ids((await store.query('acme', { filter: ALL, first: 10, order: 'ASC' })).events), [
      e1!.id,
      e3!.id,
      lateEvent.id,
    ]);
    await Promise.all([store.close(), late.close()]);
  });

  it('hands a concurrent reader every event exactly once, in position order, while three processes write', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    // Three writing "processes", each with its own client, sometimes slower than the grace period.
    let batches = 0;
    const stores = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new MongoClient(mongo.url);
        t.after(() => client.close());
        return createMongoEventStore({
          client,
          dbName: mongo.dbName,
          idempotencyWindowMs: 86_400_000,
          gapGraceMs: 20,
          liveCollectionBytes: 1 << 20,
          // Far longer than the grace period, so the reader tombstones the hole even on a loaded machine.
          faults: { afterPosition: () => ([2, 7, 12].includes(++batches) ? sleep(400) : undefined) },
        });
      }),
    );
    const reader = await createMongoEventStore({
      client: mongo.client,
      dbName: mongo.dbName,
      idempotencyWindowMs: 86_400_000,
      gapGraceMs: 20,
      liveCollectionBytes: 1 << 20,
    });

    let writing = true;
    const writes = Promise.all(
      stores.map(async (store) => {
        const events: HubEvent[] = [];
        for (let batch = 0; batch < 8; batch++) {
          const outcomes = await store.append([pendingEvent(), pendingEvent(), pendingEvent()]);
          events.push(...outcomes.map(accepted));
        }
        return events;
      }),
    ).finally(() => (writing = false));

    const delivered: HubEvent[] = [];
    for (;;) {
      const wasWriting = writing;
      const next = await reader.readAfter('acme', delivered.at(-1)?.position ?? 0, ALL, 7);
      delivered.push(...next);
      if (!next.length && !wasWriting) break;
    }
    const written = (await writes).flat();
    assert.equal(written.length, 72);
    const positions = delivered.map((e) => e.position);
    assert.ok(
      positions.every((p, i) => i === 0 || p > positions[i - 1]!),
      'positions out of order',
    );
    assert.equal(new Set(ids(delivered)).size, delivered.length, 'an event was delivered twice');
    assert.deepEqual(new Set(ids(delivered)), new Set(ids(written)));
    // Each ACCEPTED position is where the event is stored and was delivered.
    const at = new Map(delivered.map((e) => [e.id, e.position]));
    for (const e of written) assert.equal(at.get(e.id), e.position);
    // The slow batches were overtaken: their first positions became tombstones.
    assert.ok(
      (await mongo.db.collection(COLLECTIONS.archive).countDocuments({ gap: true })) > 0,
      'no writer was re-positioned',
    );
    await Promise.all([...stores, reader].map((s) => s.close()));
  });
});
