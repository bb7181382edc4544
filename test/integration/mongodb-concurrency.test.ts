// Several hub processes on one database: each "process" here is a store with its own MongoClient,
// so its requests travel on its own connections, as they would from separate hubs.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { MongoClient } from 'mongodb';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo, type TestMongo } from '../support/servers.ts';

const ALL = compileFilter(null);

async function processes(t: TestContext, mongo: TestMongo, count: number, now?: () => number): Promise<EventStore[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new MongoClient(mongo.url);
      t.after(() => client.close());
      const store = await createMongoEventStore({
        client,
        dbName: mongo.dbName,
        idempotencyWindowMs: 86_400_000,
        liveCollectionBytes: 1 << 20,
        ...(now && { now }),
      });
      t.after(() => store.close());
      return store;
    }),
  );
}

describe('MongoDB store: concurrent hub processes', () => {
  it('stores exactly one event for 50 concurrent publishes of one key from 3 processes', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const stores = await processes(t, mongo, 3);
    const outcomes = (
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          stores[i % 3]!.append([pendingEvent({ metadata: { idempotencyKey: 'pay-7' } })]),
        ),
      )
    ).flat();

    const accepted = outcomes.filter((o) => o.status === 'ACCEPTED');
    assert.equal(accepted.length, 1, JSON.stringify(outcomes.map((o) => o.status)));
    const id = accepted[0]!.status === 'ACCEPTED' ? accepted[0]!.event.id : '';
    assert.deepEqual(
      // A duplicate may also carry the event it completed for a claimant still in flight.
      outcomes
        .filter((o) => o.status !== 'ACCEPTED')
        .map((o) => ({ status: o.status, originalEventId: o.status === 'DUPLICATE' ? o.originalEventId : undefined })),
      Array.from({ length: 49 }, () => ({ status: 'DUPLICATE', originalEventId: id })),
    );
    const page = await stores[0]!.query('acme', { filter: ALL, first: 100, order: 'ASC' });
    assert.deepEqual(
      page.events.map((e) => e.id),
      [id],
    );
  });

  it('gives every concurrently accepted event its own position, and a later reader all of them in order', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const stores = await processes(t, mongo, 3);
    // Each process publishes concurrently with itself too (several requests in flight per client).
    const outcomes = (
      await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.append([pendingEvent(), pendingEvent()])))
    ).flat();
    const accepted = outcomes.map((o) => {
      assert.equal(o.status, 'ACCEPTED');
      return (o as { event: HubEvent }).event;
    });
    const positions = accepted.map((e) => e.position);
    assert.equal(new Set(positions).size, 60, 'two events share a position');

    const read: HubEvent[] = [];
    for (;;) {
      const next = await stores[1]!.readAfter('acme', read.at(-1)?.position ?? 0, ALL, 25);
      if (!next.length) break;
      read.push(...next);
    }
    assert.deepEqual(
      read.map((e) => e.position),
      [...positions].sort((a, b) => a - b),
    );
    assert.equal(await stores[2]!.headPosition('acme'), Math.max(...positions));
  });

  it('lets exactly one of many concurrent publishes take a key over once its window has passed', {
    timeout: 30_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    let clock = Date.parse('2024-03-05T12:00:00Z');
    const stores = await processes(t, mongo, 3, () => clock);
    const keyed = () => pendingEvent({ metadata: { idempotencyKey: 'nightly' } });
    const [first] = await stores[0]!.append([keyed()]);
    assert.equal(first?.status, 'ACCEPTED');

    for (const day of [1, 2]) {
      clock += 86_400_001;
      const outcomes = (
        await Promise.all(Array.from({ length: 24 }, (_, i) => stores[i % 3]!.append([keyed()])))
      ).flat();
      const winners = outcomes.filter((o) => o.status === 'ACCEPTED');
      assert.equal(winners.length, 1, `day ${day}: ${JSON.stringify(outcomes.map((o) => o.status))}`);
      const id = winners[0]!.status === 'ACCEPTED' ? winners[0]!.event.id : '';
      assert.ok(
        outcomes.every((o) => o.status === 'ACCEPTED' || (o.status === 'DUPLICATE' && o.originalEventId === id)),
      );
    }
    const page = await stores[0]!.query('acme', { filter: ALL, first: 100, order: 'ASC' });
    assert.equal(page.events.length, 3);
  });
});
