// The MongoDB bus (src/bus/mongodb) end to end inside one process: a real store copying into its
// live collection, the bus tailing it, and the subscription hub turning what arrives into each
// subscriber's stream. What the bus misses, the hub must recover from the archive.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { createMongoEventBus } from '../../src/bus/mongodb/index.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import { createSubscriptionHub } from '../../src/live/index.ts';
import { createLogger } from '../../src/logger.ts';
import { createMongoEventStore, type AppendFaults } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { type TestMongo, testMongo } from '../support/servers.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { until } from '../support/until.ts';

const log = createLogger('silent');

class Crash extends Error {}

/** A store with a live collection, on the test database's client. */
const liveStore = (mongo: TestMongo) =>
  createMongoEventStore({
    client: mongo.client,
    dbName: mongo.dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 1 << 20,
  });

async function setup(t: TestContext) {
  const mongo = await testMongo(t);
  /** While set, an append stops after the archive acknowledged it, before its live copy is queued. */
  const crash = { afterArchive: false };
  const faults: AppendFaults = {
    afterArchive: () => {
      if (crash.afterArchive) throw new Crash('died before the live copy');
    },
  };
  const common = { client: mongo.client, dbName: mongo.dbName, idempotencyWindowMs: 86_400_000 };
  const store = await createMongoEventStore({ ...common, liveCollectionBytes: 1 << 20, faults, gapGraceMs: 100 });
  const bus: EventBus = await createMongoEventBus({ url: mongo.url, dbName: mongo.dbName, log, awaitMs: 200 });
  const hub = createSubscriptionHub({ store, bus, log, reorderGraceMs: 50 });
  await hub.start();
  t.after(async () => {
    await hub.close();
    await bus.close();
    await store.close();
  });
  const publish = async (): Promise<HubEvent | null> => {
    try {
      const [outcome] = await store.append([pendingEvent()]);
      return outcome?.status === 'ACCEPTED' ? outcome.event : null;
    } catch (error) {
      if (error instanceof Crash) return null;
      throw error;
    }
  };
  const received: HubEvent[] = [];
  // From position 0: nothing published before the subscription's start is skipped.
  const stream = hub.subscribe({ tenantId: 'acme', filter: compileFilter(null), after: 0 });
  void (async () => {
    for await (const event of stream) received.push(event);
  })();
  return { mongo, crash, publish, received, stream };
}

describe('MongoDB bus: live delivery through the live collection', () => {
  it('delivers events appended by the store to a live subscriber, in position order, with no publish', {
    timeout: 20_000,
  }, async (t) => {
    const { publish, received } = await setup(t);
    for (let i = 0; i < 5; i++) await publish();
    await until(
      () => received.length,
      (n) => n === 5,
      'five events',
    );
    assert.deepEqual(
      received.map((e) => e.position),
      [1, 2, 3, 4, 5],
    );
  });

  it('recovers from the archive an event whose live copy was never written, once a later event arrives', {
    timeout: 20_000,
  }, async (t) => {
    const { mongo, crash, publish, received } = await setup(t);
    await publish();
    crash.afterArchive = true;
    assert.equal(await publish(), null); // stored at position 2, never copied
    crash.afterArchive = false;
    await publish();
    await until(
      () => received.length,
      (n) => n === 3,
      'three events',
    );
    assert.deepEqual(
      received.map((e) => e.position),
      [1, 2, 3],
    );
    // The copy really is missing: position 2 came from the archive.
    const copied = await mongo.db
      .collection('events_live')
      .find({}, { projection: { position: 1 } })
      .toArray();
    assert.deepEqual(
      copied.map((doc) => doc.position),
      [1, 3],
    );
  });

  it('reopens its cursor after the connection is cut, tells onReconnect listeners, and goes on delivering', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const store = await liveStore(mongo);
    const proxy = await startTcpProxy(mongo.url);
    const bus = await createMongoEventBus({
      url: `mongodb://${new URL(proxy.url).host}/?directConnection=true`,
      dbName: mongo.dbName,
      log,
      awaitMs: 200,
      retryMs: 100,
      serverSelectionTimeoutMS: 2000,
    });
    t.after(async () => {
      await bus.close();
      await proxy.close();
      await store.close();
    });
    let reconnects = 0;
    bus.onReconnect(() => void reconnects++);
    const heard: number[] = [];
    await bus.subscribe((event) => void heard.push(event.position));
    await store.append([pendingEvent()]);
    await until(
      () => heard.length,
      (n) => n === 1,
      'the first event',
    );

    proxy.cut();
    await until(
      () => reconnects,
      (n) => n >= 1,
      'onReconnect after the cut',
    );
    await store.append([pendingEvent()]);
    await until(
      () => heard,
      (h) => h.length === 2,
      'the event after the reconnect',
    );
    assert.deepEqual(heard, [1, 2]);
  });

  it('starts at the end of the window: copies already there are not delivered, the next one is', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const store = await liveStore(mongo);
    t.after(() => store.close());
    for (let i = 0; i < 3; i++) await store.append([pendingEvent()]);
    const live = mongo.db.collection('events_live');
    await until(
      () => live.countDocuments(),
      (n) => n === 3,
      'three copies',
    );
    const bus = await createMongoEventBus({ url: mongo.url, dbName: mongo.dbName, log, awaitMs: 200 });
    t.after(() => bus.close());
    const heard: number[] = [];
    await bus.subscribe((event) => void heard.push(event.position));
    await store.append([pendingEvent()]);
    await until(
      () => heard,
      (h) => h.length >= 1,
      'the new event',
    );
    // A replayed backlog would come first: the window is read in insertion order.
    assert.deepEqual(heard, [4]);
  });
});
