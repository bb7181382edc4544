// A crash between any two writes of an append must neither lose an event nor store it twice
// when the client retries (docs/ARCHITECTURE.md §4). The store's `faults` hooks stop an append
// between two writes, as a dying process would; a second store on the same database plays
// the restarted (or another) hub process.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { createMongoEventStore, type AppendFaults } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo, type TestMongo } from '../support/servers.ts';
import { gate } from '../support/gate.ts';

const ALL = compileFilter(null);
const GRACE_MS = 100;

const keyed = (key: string) => pendingEvent({ metadata: { idempotencyKey: key } });

async function openStore(mongo: TestMongo, faults: AppendFaults = {}): Promise<EventStore> {
  const store = await createMongoEventStore({
    client: mongo.client,
    dbName: mongo.dbName,
    idempotencyWindowMs: 86_400_000,
    gapGraceMs: GRACE_MS,
    liveCollectionBytes: 1 << 20,
    faults,
  });
  return store;
}

async function storedIds(store: EventStore): Promise<string[]> {
  const page = await store.query('acme', { filter: ALL, first: 100, order: 'ASC' });
  return page.events.map((e) => e.id);
}

class Crash extends Error {}
const crashAt = (step: keyof AppendFaults): AppendFaults => ({
  [step]: () => {
    throw new Crash(`crashed ${step}`);
  },
});

describe('MongoDB store: a crash between two writes of an append', () => {
  for (const step of ['afterClaim', 'afterPosition', 'afterArchive'] as const) {
    it(`${step}: the client's retry stores the event exactly once and answers DUPLICATE with the first id`, {
      timeout: 20_000,
    }, async (t: TestContext) => {
      const mongo = await testMongo(t);
      const crashing = await openStore(mongo, crashAt(step));
      const first = keyed('order-42');
      await assert.rejects(crashing.append([first]), Crash);

      const restarted = await openStore(mongo);
      const retry = keyed('order-42'); // a client retry: a new event, the same key
      const [outcome] = await restarted.append([retry]);
      assert.ok(outcome?.status === 'DUPLICATE');
      assert.equal(outcome.originalEventId, first.id);
      // Before the archive write the crashed publish never reached the bus: the retry hands the event over to publish.
      if (step === 'afterArchive') assert.equal(outcome.completed, undefined);
      else assert.equal(outcome.completed?.id, first.id);
      assert.deepEqual(await restarted.append([keyed('order-42')]), [
        { status: 'DUPLICATE', originalEventId: first.id },
      ]);

      assert.deepEqual(await storedIds(restarted), [first.id]);
      const stored = await restarted.get('acme', first.id);
      assert.deepEqual(stored && { ...stored, position: 0 }, { ...first, position: 0 });
      // Catch-up gets past whatever position the crash left empty.
      assert.deepEqual(
        (await restarted.readAfter('acme', 0, ALL, 10)).map((e) => e.id),
        [first.id],
      );
      await Promise.all([crashing.close(), restarted.close()]);
    });
  }

  it('afterArchive with a batch: keyed events are not stored twice on retry, unkeyed ones are (at-least-once)', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const crashing = await openStore(mongo, crashAt('afterArchive'));
    const batch = [keyed('a'), pendingEvent({ payload: { unkeyed: true } }), keyed('b')];
    await assert.rejects(crashing.append(batch), Crash);

    const restarted = await openStore(mongo);
    const retry = [keyed('a'), pendingEvent({ payload: { unkeyed: true } }), keyed('b')];
    const outcomes = await restarted.append(retry);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['DUPLICATE', 'ACCEPTED', 'DUPLICATE'],
    );
    assert.deepEqual(await storedIds(restarted), [batch[0]!.id, batch[1]!.id, batch[2]!.id, retry[1]!.id]);
    await Promise.all([crashing.close(), restarted.close()]);
  });

  it('an ingest still in flight is finished by whoever meets its claim, and stored once', {
    timeout: 20_000,
  }, async (t) => {
    const mongo = await testMongo(t);
    const afterClaim = gate();
    const slow = await openStore(mongo, { afterClaim: afterClaim.hold });
    const other = await openStore(mongo);

    const first = keyed('in-flight');
    const slowAppend = slow.append([first]);
    await afterClaim.reached;
    // The other process meets the claim, finds no archived event and stores the claimed one.
    const [duplicate] = await other.append([keyed('in-flight')]);
    assert.equal(duplicate?.status, 'DUPLICATE');
    assert.equal(duplicate.status === 'DUPLICATE' && duplicate.originalEventId, first.id);
    // It stored the claimed event itself, so it hands it back for the bus.
    assert.equal(duplicate.status === 'DUPLICATE' && duplicate.completed?.id, first.id);
    afterClaim.release();
    const [outcome] = await slowAppend;
    assert.equal(outcome?.status, 'ACCEPTED');
    assert.equal(outcome.status === 'ACCEPTED' && outcome.event.id, first.id);

    assert.deepEqual(await storedIds(other), [first.id]);
    const stored = await other.get('acme', first.id);
    assert.equal(outcome.status === 'ACCEPTED' && outcome.event.position, stored?.position);
    // The slow writer tombstoned the position it reserved and no longer needs, so nothing waits for it.
    const started = Date.now();
    assert.equal(await other.headPosition('acme'), 2);
    assert.ok(Date.now() - started < GRACE_MS, 'headPosition waited for a gap');
    await Promise.all([slow.close(), other.close()]);
  });
});
