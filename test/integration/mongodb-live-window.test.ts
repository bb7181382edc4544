// The live window serves recent reads (src/store/mongodb/window-reader.ts): the driver's command
// monitoring shows which collection each find hit. A window that misses a copy must not answer.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { type AppendFaults, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo } from '../support/servers.ts';

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
  return { store, archiveOnly, crash, append, hits };
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
});
