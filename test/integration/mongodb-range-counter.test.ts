// countRange on MongoDB (src/store/mongodb/range-counter.ts): what a replay counts before it runs,
// read without a sort and without the events' bodies, so a count is not a second full read.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import { COLLECTIONS, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo } from '../support/servers.ts';

it('counts with one unsorted query for ids and positions, and samples the lowest positions in whatever order the server returns them', {
  timeout: 30_000,
}, async (t) => {
  const mongo = await testMongo(t);
  const client = new MongoClient(mongo.url, { monitorCommands: true });
  t.after(() => client.close());
  const finds: CommandStartedEvent['command'][] = [];
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName === 'find' && event.command['find'] === COLLECTIONS.archive) finds.push(event.command);
  });
  const store = await createMongoEventStore({
    client,
    dbName: mongo.dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 0,
  });
  t.after(() => store.close());
  const appended = await store.append(
    Array.from({ length: 30 }, (_, i) => pendingEvent({ type: i % 3 ? 'x.a' : 'x.b' })),
  );
  const events = appended.map((outcome) => (outcome as { event: HubEvent }).event);

  // The archive's documents again, newest first: an unsorted read now meets the highest positions first.
  const archive = mongo.db.collection(COLLECTIONS.archive);
  const docs = await archive.find({}).toArray();
  await archive.deleteMany({});
  await archive.insertMany(docs.reverse());

  finds.length = 0;
  const head = events.at(-1)!.position;
  const counted = await store.countRange('acme', {
    after: 0,
    through: head,
    filter: compileFilter({ types: ['x.a'] }),
    sample: 4,
  });
  const xa = events.filter((e) => e.type === 'x.a');
  assert.deepEqual(counted, { total: xa.length, sample: xa.slice(0, 4).map((e) => e.id) });
  assert.equal(finds.length, 1, 'one query');
  assert.equal(finds[0]!['sort'], undefined, 'no sort: FerretDB would gather and sort the whole range first');
  assert.deepEqual(finds[0]!['projection'], { _id: 0, id: 1, position: 1 });
});
