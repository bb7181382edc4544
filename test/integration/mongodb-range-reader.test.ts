// readRange on MongoDB (src/store/mongodb/range-reader.ts): one cursor for a whole catch-up instead
// of a query per page (on FerretDB every query scans the collection), and a new cursor from the last
// page when the server drops the old one under a slow consumer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Long, MongoClient, type CommandStartedEvent, type CommandSucceededEvent } from 'mongodb';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import { COLLECTIONS, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo } from '../support/servers.ts';

const ALL = compileFilter(null);

describe('MongoDB store: readRange', () => {
  it('reads a range of many pages with one query, under the range time limit, then pulls batches from it', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const client = new MongoClient(mongo.url, { monitorCommands: true });
    t.after(() => client.close());
    const commands: string[] = [];
    const limits: unknown[] = [];
    const cursorIds: (Long | number)[] = [];
    client.on('commandStarted', (event: CommandStartedEvent) => {
      if (event.command[event.commandName] === COLLECTIONS.archive || event.commandName === 'getMore')
        commands.push(event.commandName);
      if (event.commandName === 'find' && event.command['find'] === COLLECTIONS.archive)
        limits.push(event.command['maxTimeMS']);
    });
    client.on('commandSucceeded', (event: CommandSucceededEvent) => {
      const id = (event.reply as { cursor?: { id?: Long | number } }).cursor?.id;
      if (event.commandName === 'find' && id) cursorIds.push(id);
    });
    const store = await createMongoEventStore({
      client,
      dbName: mongo.dbName,
      idempotencyWindowMs: 86_400_000,
      liveCollectionBytes: 0,
      maxTimeMS: 1000,
      rangeMaxTimeMS: 123_000,
    });
    t.after(() => store.close());
    const appended = await store.append(Array.from({ length: 40 }, () => pendingEvent()));
    const events = appended.map((outcome) => (outcome as { event: HubEvent }).event);

    commands.length = 0;
    const range = await store.readRange('acme', { after: 0, filter: ALL, batch: 5 });
    const read: HubEvent[] = [];
    for (let page = 0; page < 4; page++) read.push(...((await range.pages.next()).value as HubEvent[]));
    assert.deepEqual(
      commands.filter((name) => name === 'find'),
      ['find'],
      'one query for the range',
    );
    assert.ok(
      commands.filter((name) => name === 'getMore').length >= 3,
      `batches come by getMore: ${commands.join(',')}`,
    );
    // A range streams as long as its reader pulls: its cursor is not held to the per-query limit.
    assert.deepEqual(limits, [123_000]);

    // The server drops the cursor while the consumer is away: the range goes on from the last page.
    await mongo.db.command({ killCursors: COLLECTIONS.archive, cursors: [Long.fromValue(cursorIds.at(-1)!)] });
    for await (const page of range.pages) read.push(...page);
    assert.deepEqual(
      read.map((e) => e.id),
      events.map((e) => e.id),
    );
    assert.equal(commands.filter((name) => name === 'find').length, 2, 'a second cursor after the first was lost');
  });
});
