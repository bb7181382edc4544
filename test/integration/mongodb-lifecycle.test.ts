// What only a real MongoDB-wire server shows: restarts, the capped live collection, an
// unreachable server.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { isHubError } from '../../src/errors.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { AppendOutcome } from '../../src/store/event-store.ts';
import { COLLECTIONS, createMongoEventStore, type MongoEventStoreOptions } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo } from '../support/servers.ts';

const ALL = compileFilter(null);
const options = {
  idempotencyWindowMs: 86_400_000,
  liveCollectionBytes: 1 << 20,
} satisfies Partial<MongoEventStoreOptions>;
const idOf = (outcome: AppendOutcome | undefined) =>
  outcome?.status === 'ACCEPTED' ? outcome.event.id : assert.fail(JSON.stringify(outcome));
const unavailable = (error: unknown) => isHubError(error) && error.code === 'UNAVAILABLE';

describe('MongoDB store lifecycle', () => {
  it('after a restart (a new store on the same database) serves old events, keeps keys and continues positions', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const before = await createMongoEventStore({ client: mongo.client, dbName: mongo.dbName, ...options });
    const outcomes = await before.append([pendingEvent({ metadata: { idempotencyKey: 'once' } }), pendingEvent()]);
    await before.close();

    const after = await createMongoEventStore({ client: mongo.client, dbName: mongo.dbName, ...options });
    const ids = outcomes.map(idOf);
    assert.deepEqual(
      (await after.readAfter('acme', 0, ALL, 10)).map((e) => e.id),
      ids,
    );
    assert.equal((await after.get('acme', ids[0]!))?.id, ids[0]);
    assert.deepEqual(await after.append([pendingEvent({ metadata: { idempotencyKey: 'once' } })]), [
      { status: 'DUPLICATE', originalEventId: ids[0] },
    ]);
    const [third] = await after.append([pendingEvent()]);
    assert.equal(third?.status === 'ACCEPTED' && third.event.position, 3);
    // The client belongs to the caller: close() leaves it usable.
    await after.close();
    await mongo.db.command({ ping: 1 });
  });

  it('copies the accepted events into the live collection once they are acknowledged, each once', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const store = await createMongoEventStore({
      client: mongo.client,
      dbName: mongo.dbName,
      ...options,
      liveCollectionBytes: 1 << 20,
    });
    const appends = await Promise.all(Array.from({ length: 5 }, () => store.append([pendingEvent(), pendingEvent()])));
    const ids = appends.flat().map(idOf);
    await store.close(); // waits for the copies still queued
    const live = await mongo.db
      .collection(COLLECTIONS.live)
      .find({}, { projection: { _id: 1 } })
      .toArray();
    assert.deepEqual(live.map((doc) => doc._id).sort(), [...ids].sort());
  });

  it('keeps a capped live copy that evicts on its own without changing what reads return', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const store = await createMongoEventStore({
      client: mongo.client,
      dbName: mongo.dbName,
      ...options,
      liveCollectionBytes: 4096,
    });
    const [info] = await mongo.db.listCollections({ name: COLLECTIONS.live }).toArray();
    assert.equal((info as { options?: { capped?: boolean } }).options?.capped, true);

    const ids: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const outcomes = await store.append(
        Array.from({ length: 15 }, () => pendingEvent({ payload: { text: 'x'.repeat(200) } })),
      );
      ids.push(...outcomes.map(idOf));
    }
    const live = mongo.db.collection<{ _id: string }>(COLLECTIONS.live);
    const lastCopied = async () => (await live.countDocuments({ _id: ids.at(-1)! })) === 1;
    // The copies land after the acks, in order: once the last one is there, every copy has been
    // written, and a count below 60 means eviction rather than copies still on their way.
    // FerretDB evicts on a timer (the test harness sets it to 1 s); MongoDB at once.
    const evicted = async () => (await lastCopied()) && (await live.countDocuments()) < ids.length;
    const deadline = Date.now() + 15_000;
    while (!(await evicted()) && Date.now() < deadline) await sleep(200);
    const kept = await live.countDocuments();
    assert.ok(
      await evicted(),
      `the live collection holds ${kept} of ${ids.length} events, the last copy ${(await lastCopied()) ? 'included' : 'missing'}`,
    );

    const page = await store.query('acme', { filter: ALL, first: 100, order: 'ASC' });
    assert.deepEqual(
      page.events.map((e) => e.id),
      ids,
    );
    assert.deepEqual(
      (await store.readAfter('acme', 0, ALL, 100)).map((e) => e.id),
      ids,
    );
    assert.equal((await store.get('acme', ids[0]!))?.id, ids[0]);
    assert.deepEqual(await store.stats('acme', ALL, 'TYPE'), [{ key: 'crm.contact.created', count: 60 }]);
    await store.close();
  });

  it('strips expired claims of their event copy in the background, and keys still behave', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    let clock = Date.parse('2024-03-05T12:00:00Z');
    const store = await createMongoEventStore({
      client: mongo.client,
      dbName: mongo.dbName,
      ...options,
      now: () => clock,
      claimSweepIntervalMs: 50,
    });
    const keyed = () => pendingEvent({ metadata: { idempotencyKey: 'k' } });
    idOf((await store.append([keyed()]))[0]);
    clock += options.idempotencyWindowMs + 1;
    const claims = mongo.db.collection(COLLECTIONS.claims);
    const deadline = Date.now() + 5000;
    while ((await claims.countDocuments({ event: { $exists: true } })) > 0 && Date.now() < deadline) await sleep(50);
    assert.equal(await claims.countDocuments({ event: { $exists: true } }), 0);

    const second = idOf((await store.append([keyed()]))[0]);
    assert.deepEqual(await store.append([keyed()]), [{ status: 'DUPLICATE', originalEventId: second }]);
    assert.equal(await claims.countDocuments(), 2);
    await store.close();
  });

  it('creates no live collection when its size is 0, and starts twice on one database without error', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const config = { client: mongo.client, dbName: mongo.dbName, ...options, liveCollectionBytes: 0 };
    const [first, second] = await Promise.all([createMongoEventStore(config), createMongoEventStore(config)]);
    assert.deepEqual(await mongo.db.listCollections({ name: COLLECTIONS.live }).toArray(), []);
    idOf((await first.append([pendingEvent()]))[0]);
    assert.equal((await second.query('acme', { filter: ALL, first: 5, order: 'ASC' })).events.length, 1);
    await Promise.all([first.close(), second.close()]);
  });

  it('answers UNAVAILABLE while the server is unreachable and recovers when it is back', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const target = new URL(mongo.url);
    const proxy = tcpProxy(target.hostname, Number(target.port));
    const port = await proxy.start(0);
    t.after(() => proxy.stop());
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, {
      serverSelectionTimeoutMS: 500,
      connectTimeoutMS: 500,
    });
    t.after(() => client.close());
    const store = await createMongoEventStore({ client, dbName: mongo.dbName, ...options, maxTimeMS: 2000 });
    await store.ping();

    await proxy.stop();
    await assert.rejects(store.ping(), unavailable);
    await assert.rejects(store.append([pendingEvent()]), unavailable);
    await assert.rejects(store.query('acme', { filter: ALL, first: 5, order: 'ASC' }), unavailable);
    await assert.rejects(store.readAfter('acme', 0, ALL, 5), unavailable);

    await proxy.start(port);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await store.ping();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
    idOf((await store.append([pendingEvent()]))[0]);
    await store.close();
  });
});

/** A TCP forwarder that can be switched off (dropping every connection) and on again on the same port. */
function tcpProxy(host: string, targetPort: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    start(port: number): Promise<number> {
      server = createServer((inbound) => {
        const outbound = connect(targetPort, host);
        for (const socket of [inbound, outbound]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      return new Promise((resolve) =>
        server!.listen(port, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)),
      );
    },
    stop(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      const closing = server;
      server = undefined;
      return new Promise((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    },
  };
}
