// The live window serves recent reads (src/store/mongodb/window-reader.ts): the driver's command
// monitoring shows which collection each find hit. A window that misses a copy must not answer.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { isHubError } from '../../src/errors.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { type AppendFaults, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo } from '../support/servers.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const ALL = compileFilter(null);

class Crash extends Error {}

async function setup(t: TestContext) {
  const mongo = await testMongo(t);
  const client = new MongoClient(mongo.url, { monitorCommands: true });
  t.after(() => client.close());
  const finds: string[] = [];
  client.on('commandStarted', (event: CommandStartedEvent) => {
    // Event reads only: the watermark, counter and floor lookups are finds too.
    const collection = String(event.command['find']);
    if (event.commandName === 'find' && collection.startsWith('events')) finds.push(collection);
  });
  const crash = { afterArchive: false };
  const faults: AppendFaults = {
    afterArchive: () => {
      if (crash.afterArchive) throw new Crash('died before the live copy');
    },
  };
  const common = { client, dbName: mongo.dbName, idempotencyWindowMs: 86_400_000 };
  const store = await createMongoEventStore({ ...common, liveCollectionBytes: 1 << 20, faults });
  // The same database without a window: every read from the archive.
  const archiveOnly = await createMongoEventStore({ ...common, liveCollectionBytes: 0 });
  t.after(async () => {
    await store.close();
    await archiveOnly.close();
  });
  let copied = 0;
  const append = async (n: number) => {
    const events: HubEvent[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const [outcome] = await store.append([pendingEvent({ payload: { i } })]);
        if (outcome?.status === 'ACCEPTED') events.push(outcome.event);
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
      }
    }
    // The copies are written after the acknowledgement: wait for them.
    copied += events.length;
    const live = mongo.db.collection('events_live');
    while ((await live.countDocuments()) < copied) await new Promise((wake) => setTimeout(wake, 10));
    return events;
  };
  /** The collections the finds of `read` hit. */
  const hits = async <T>(read: () => Promise<T>) => {
    finds.length = 0;
    const value = await read();
    return { value, collections: new Set(finds) };
  };
  return { mongo, store, archiveOnly, crash, append, hits };
}

/** A store on a client that reaches the server through a TCP relay, which `lose` cuts and closes; `commands` counts what the client sent. */
async function behindProxy(t: TestContext, mongo: { url: string; dbName: string }) {
  const proxy = await startTcpProxy(mongo.url);
  const client = new MongoClient(`mongodb://${new URL(proxy.url).host}/?directConnection=true`, {
    serverSelectionTimeoutMS: 1000,
    monitorCommands: true,
  });
  const sent: string[] = [];
  client.on('commandStarted', (event: CommandStartedEvent) =>
    sent.push(`${event.commandName} ${event.command[event.commandName]}`),
  );
  const store = await createMongoEventStore({
    client,
    dbName: mongo.dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 1 << 20,
  });
  t.after(async () => {
    await store.close();
    await client.close();
    await proxy.close();
  });
  const lose = () => {
    proxy.down();
    proxy.cut();
  };
  return { store, sent, lose };
}

const collect = async (store: EventStore, after: number) => {
  const range = await store.readRange('acme', { after, filter: ALL, batch: 4 });
  const read: HubEvent[] = [];
  for await (const page of range.pages) read.push(...page);
  return read;
};

describe('MongoDB live window: recent reads', () => {
  it('serves a resume, a page after a recent cursor and the newest page from events_live, never the archive', {
    timeout: 30_000,
  }, async (t) => {
    const { store, archiveOnly, append, hits } = await setup(t);
    const events = await append(20);
    const recent = events[12]!.position;
    const reads: Record<string, () => Promise<unknown>> = {
      range: () => collect(store, recent),
      page: () => store.query('acme', { filter: ALL, first: 5, after: recent, order: 'ASC' }),
      newest: () => store.query('acme', { filter: ALL, first: 5, order: 'DESC' }),
      readAfter: () => store.readAfter('acme', recent, ALL, 100),
    };
    for (const [name, read] of Object.entries(reads)) {
      const { collections } = await hits(read);
      assert.deepEqual([...collections], ['events_live'], `${name} read the window only`);
    }
    // …and the answers are the archive's.
    assert.deepEqual(await collect(store, recent), await collect(archiveOnly, recent));
    assert.deepEqual(
      await reads['page']!(),
      await archiveOnly.query('acme', { filter: ALL, first: 5, after: recent, order: 'ASC' }),
    );
    assert.deepEqual(
      await reads['newest']!(),
      await archiveOnly.query('acme', { filter: ALL, first: 5, order: 'DESC' }),
    );
    assert.deepEqual(await collect(store, recent), events.slice(13));
  });

  it('falls back to the archive for a range with a missing copy, and answers it whole', {
    timeout: 30_000,
  }, async (t) => {
    const { store, crash, append, hits } = await setup(t);
    const before = await append(5);
    crash.afterArchive = true;
    await append(1); // stored at position 6, never copied
    crash.afterArchive = false;
    const after = await append(5);
    const { value, collections } = await hits(() => collect(store, before[2]!.position));
    assert.ok(collections.has('events'), 'the archive was read');
    assert.deepEqual(
      value.map((e) => e.position),
      [4, 5, 6, 7, 8, 9, 10, 11],
    );
    const page = await hits(() => store.query('acme', { filter: ALL, first: 10, after: 3, order: 'ASC' }));
    assert.ok(page.collections.has('events'));
    assert.deepEqual(
      page.value.events.map((e) => e.position),
      [4, 5, 6, 7, 8, 9, 10, 11],
    );
    // Past the hole the window serves again.
    const past = await hits(() => collect(store, after[1]!.position));
    assert.deepEqual([...past.collections], ['events_live']);
  });

  it('reads a window range before its first page: a store lost after the last page cannot fail it, one lost before answers UNAVAILABLE', {
    timeout: 30_000,
  }, async (t) => {
    const { mongo, append } = await setup(t);
    const events = await append(6);
    const positions = (result: IteratorResult<HubEvent[]>) => (result.value ?? []).map((e: HubEvent) => e.position);

    // Served whole from the window, then the store is lost: the consumer holding the last page has the range.
    const served = await behindProxy(t, mongo);
    const range = await served.store.readRange('acme', { after: events[1]!.position, filter: ALL, batch: 2 });
    served.sent.length = 0;
    const pages = [await range.pages.next(), await range.pages.next()];
    assert.deepEqual(
      pages.map(positions),
      [events.slice(2, 4), events.slice(4)].map((page) => page.map((e) => e.position)),
    );
    assert.ok(served.sent.includes('find events_live'), `read from the window: ${served.sent}`);
    assert.ok(!served.sent.includes('find events'), `not from the archive: ${served.sent}`);
    served.lose();
    served.sent.length = 0;
    assert.deepEqual(await range.pages.next(), { done: true, value: undefined });
    assert.deepEqual(served.sent, [], 'nothing is read after the last page');

    // Opened, then the store is lost before the window is read: the hub's coded error, not the driver's.
    const unread = await behindProxy(t, mongo);
    const opened = await unread.store.readRange('acme', { after: events[1]!.position, filter: ALL, batch: 2 });
    unread.lose();
    await assert.rejects(opened.pages.next(), (error: unknown) => isHubError(error) && error.code === 'UNAVAILABLE');
  });
});
