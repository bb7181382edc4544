// Proves that the servers `npm test` starts do what the store and bus rely on,
// through the same drivers the adapters use.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { testMongo, testRedis } from '../support/servers.ts';

describe('test servers', () => {
  it('delivers documents inserted into a capped collection through a tailable cursor, in insertion order', {
    timeout: 20_000,
  }, async (t) => {
    const { db } = await testMongo(t);
    const live = await db.createCollection<{ n: number }>('live', { capped: true, size: 1 << 20, max: 100 });
    // FerretDB v1 kills a tailable cursor whose first batch is not full, and cannot resume one
    // that has returned nothing yet; so: one document first, and a first batch of exactly one.
    await live.insertOne({ n: 0 });
    const cursor = live.find({}, { tailable: true, awaitData: true, maxAwaitTimeMS: 200, batchSize: 1 });
    t.after(() => cursor.close());
    assert.equal((await cursor.next())?.n, 0);

    for (const n of [1, 2, 3, 4, 5]) await live.insertOne({ n });

    const seen: number[] = [];
    while (seen.length < 5) {
      const doc = await cursor.next();
      assert.ok(doc, 'the tailable cursor ended instead of waiting for data');
      seen.push(doc.n);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  });

  it('delivers a Redis PUBLISH to a connection that subscribed before it', { timeout: 10_000 }, async (t) => {
    const { url, keyPrefix, redis: publisher } = await testRedis(t);
    const subscriber = new Redis(url, { maxRetriesPerRequest: 1 });
    t.after(() => subscriber.disconnect());
    const channel = `${keyPrefix}events`;

    const received = once(subscriber, 'message');
    await subscriber.subscribe(channel);
    const receivers = await publisher.publish(channel, 'hello');

    assert.equal(receivers, 1);
    assert.deepEqual(await received, [channel, 'hello']);
  });
});
