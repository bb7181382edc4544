// The work bench's command monitor (bench/work) counts what a MongoClient asks of the server by
// command and by collection, so a scenario can tell which path asked: a handler line's archive reads
// from the publish path's, a reader's watermark raise from a writer's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { install, perThousand } from '../../bench/work/command-monitor.ts';
import { testMongo } from '../support/servers.ts';

describe('bench:work command monitor', () => {
  it('counts commands by name and collection, and the documents they wrote, per 1,000 of a unit', async (t) => {
    const monitor = install();
    const mongo = await testMongo(t);
    const client = new MongoClient(mongo.url, { monitorCommands: true });
    t.after(() => client.close());
    const db = client.db(mongo.dbName);
    const before = monitor.snapshot();
    await db.collection('first').insertMany([{ n: 1 }, { n: 2 }]);
    await db.collection('second').insertOne({ n: 3 });
    await db.collection('first').find({ n: 1 }).toArray();
    await db.collection('second').updateOne({ n: 3 }, { $set: { n: 4 } });

    const counts = perThousand(before, monitor.snapshot(), 500);
    assert.deepEqual(counts.byCollection, {
      'insert first': 2,
      'insert second': 2,
      'find first': 2,
      'update second': 2,
    });
    assert.deepEqual(counts.commands, { insert: 4, find: 2, update: 2 });
    assert.equal(counts.documentsWritten, 8);
  });
});
