// The retention job on the memory store and on FerretDB: archive → cold segment → purged, and a
// crash at each step loses and duplicates nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Db } from 'mongodb';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import type { ColdStore } from '../../src/cold/cold-store.ts';
import { createFsColdStore } from '../../src/cold/fs-cold-store.ts';
import { readColdRange } from '../../src/cold/read-cold-range.ts';
import { createMemoryLeaseStore } from '../../src/coordination/memory-lease-store.ts';
import { isHubError } from '../../src/errors.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import type { RetentionFaults } from '../../src/retention/archive-tenant.ts';
import { createRetentionJob, type RetentionJobOptions } from '../../src/retention/retention-job.ts';
import { createPolicies } from '../../src/retention/retention-policy.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { gate } from '../support/gate.ts';
import { testMongo } from '../support/servers.ts';

const DAY = 86_400_000;
const ALL = compileFilter(null);
const log = createLogger('silent');
const at = (iso: string) => new Date(iso);

/** `db` is the MongoDB store's database, for a test that leaves it as a crash inside a delete would. */
type MakeStore = () => Promise<{ store: EventStore; db?: Db; close(): Promise<void> }>;
const STORES: Record<string, MakeStore> = {
  memory: async () => {
    const store = createMemoryEventStore({ idempotencyWindowMs: DAY });
    return { store, close: () => store.close() };
  },
  mongodb: async () => {
    const mongo = await testMongo();
    const store = await createMongoEventStore({
      client: mongo.client,
      dbName: mongo.dbName,
      idempotencyWindowMs: DAY,
      liveCollectionBytes: 0,
    });
    return {
      store,
      db: mongo.db,
      close: async () => {
        await store.close();
        await mongo.close();
      },
    };
  },
};

/** Every event of a tenant, whichever tier holds it, in position order. */
async function everyTier(store: EventStore, cold: ColdStore, tenantId: string): Promise<HubEvent[]> {
  const purged = await store.purgedThrough(tenantId);
  const events: HubEvent[] = [];
  for await (const event of readColdRange(cold, tenantId, { to: purged })) events.push(event);
  for await (const page of (await store.readRange(tenantId, { after: purged, filter: ALL, batch: 100 })).pages)
    events.push(...page);
  return events;
}

const ids = (events: readonly HubEvent[]) => events.map((event) => event.id);
const business = (events: readonly HubEvent[]) => events.filter((event) => !event.type.startsWith('system.'));

for (const [kind, makeStore] of Object.entries(STORES)) {
  describe(`the retention job on ${kind}`, () => {
    let store: EventStore;
    let closeStore: () => Promise<void>;
    let db: Db | undefined;
    let dir: string;
    let cold: ColdStore;
    let clock: number;
    const leases = createMemoryLeaseStore({ now: () => clock });

    beforeEach(async () => {
      ({ store, db, close: closeStore } = await makeStore());
      dir = await mkdtemp(join(tmpdir(), 'hub-cold-'));
      cold = createFsColdStore({ root: dir });
      clock = Date.parse('2024-03-10T12:00:00Z');
    });
    afterEach(async () => {
      await closeStore();
      await rm(dir, { recursive: true, force: true });
    });

    function job(overrides: Partial<RetentionJobOptions> = {}) {
      const ingest = createIngest({
        store,
        bus: createInProcessEventBus(),
        log,
        maxEventBytes: 1 << 20,
        maxBatch: 100,
        now: () => new Date(clock),
      });
      return createRetentionJob({
        store,
        cold,
        leases,
        ingest,
        policyOf: createPolicies({ warmMs: DAY, coldMs: 20 * DAY }, [{ tenant: 'globex', hold: true }]),
        intervalMs: 1000,
        leaseMs: 15_000,
        log,
        now: () => clock,
        ...overrides,
      });
    }

    /** Three events on 1 March, two on 2 March, one just now. */
    async function seed(tenantId = 'acme'): Promise<HubEvent[]> {
      const received = [
        '2024-03-01T08:00:00Z',
        '2024-03-01T12:00:00Z',
        '2024-03-01T23:59:59.999Z',
        '2024-03-02T00:00:00Z',
        '2024-03-02T10:00:00Z',
        '2024-03-10T11:59:00Z',
      ];
      const outcomes = await store.append(
        received.map((iso, n) => pendingEvent({ tenantId, receivedAt: at(iso), payload: { n } })),
      );
      return outcomes.map((outcome) => (outcome as { event: HubEvent }).event);
    }

    it('moves each aged UTC day to a verified segment, then out of the archive, and records it', async () => {
      const events = await seed();
      const report = await job().runOnce();
      assert.deepEqual(report?.failed, []);
      const segments = await cold.list('acme');
      assert.deepEqual(
        segments.map((s) => [s.day, s.firstPosition, s.lastPosition, s.count]),
        [
          ['2024-03-01', events[0]!.position, events[2]!.position, 3],
          ['2024-03-02', events[3]!.position, events[4]!.position, 2],
        ],
      );
      assert.equal(await store.purgedThrough('acme'), events[4]!.position);
      await assert.rejects(
        store.readAfter('acme', 0, ALL, 10),
        (e) =>
          isHubError(e) &&
          e.code === 'CURSOR_EXPIRED' &&
          e.extensions['oldestPosition'] === String(events[4]!.position + 1),
      );
      const archive = (await store.query('acme', { filter: ALL, first: 50, order: 'ASC' })).events;
      assert.deepEqual(ids(business(archive)), [events[5]!.id]);
      const records = archive.filter((event) => event.type === 'system.retention.archived');
      assert.deepEqual(
        records.map((r) => [r.payload['day'], r.payload['count']]),
        [
          ['2024-03-01', 3],
          ['2024-03-02', 2],
        ],
      );
      assert.deepEqual(await everyTier(store, cold, 'acme'), [
        ...events,
        ...archive.filter((e) => e.type.startsWith('system.')),
      ]);
    });

    it('streams a range of cold events in position order with readColdRange', async () => {
      const events = await seed();
      await job().runOnce();
      const read = async (range: { after?: number; to?: number }) => {
        const out: HubEvent[] = [];
        for await (const event of readColdRange(cold, 'acme', range)) out.push(event);
        return out;
      };
      assert.deepEqual(await read({}), events.slice(0, 5));
      assert.deepEqual(
        ids(await read({ after: events[1]!.position, to: events[3]!.position })),
        ids(events.slice(2, 4)),
      );
      assert.deepEqual(await read({ after: events[4]!.position }), []);
      assert.deepEqual(await read({ to: 0 }), []);
    });

    it('splits a day into segments of at most maxSegmentEvents, and moves nothing younger than warm', async () => {
      const events = await seed();
      await job({ maxSegmentEvents: 2 }).runOnce();
      assert.deepEqual(
        (await cold.list('acme')).map((s) => s.count),
        [2, 1, 2],
      );
      assert.deepEqual(ids(business(await everyTier(store, cold, 'acme'))), ids(events));
      assert.equal(await store.purgedThrough('acme'), events[4]!.position);
    });

    it('deletes segments older than cold and records it, but keeps those of a tenant on hold', async () => {
      await seed('acme');
      await seed('globex');
      await job().runOnce();
      clock = Date.parse('2024-03-02T10:00:01Z') + 20 * DAY; // 2 March's last event is 20 days old
      const report = await job().runOnce();
      assert.deepEqual(
        report?.purged.map((s) => [s.tenantId, s.day]),
        [
          ['acme', '2024-03-01'],
          ['acme', '2024-03-02'],
        ],
      );
      assert.deepEqual(
        (await cold.list('acme')).map((s) => s.day),
        ['2024-03-10'],
        'what aged since is moved, not purged',
      );
      assert.deepEqual(
        (await cold.list('globex')).map((s) => s.day),
        ['2024-03-01', '2024-03-02', '2024-03-10'],
      );
      const purged = (
        await store.query('acme', {
          filter: compileFilter({ types: ['system.retention.purged'] }),
          first: 10,
          order: 'ASC',
        })
      ).events;
      assert.deepEqual(
        purged.map((e) => [e.payload['day'], e.payload['count']]),
        [
          ['2024-03-01', 3],
          ['2024-03-02', 2],
        ],
      );
    });

    const crashes: [string, keyof RetentionFaults][] = [
      ['after the segment is written', 'afterWrite'],
      ['after the segment is verified', 'afterVerify'],
      ['half-way through the delete', 'duringDelete'],
    ];
    for (const [when, fault] of crashes) {
      it(`loses and duplicates nothing when a run dies ${when}, and the next run finishes the work`, async () => {
        const events = await seed();
        const crash: RetentionFaults = {
          [fault]: () => {
            throw new Error('crash');
          },
        };
        const crashed = await job({ faults: crash }).runOnce();
        assert.deepEqual(crashed?.failed, ['acme']);
        const everything = ids(business(await everyTier(store, cold, 'acme')));
        assert.deepEqual(everything, ids(events), 'every event is in exactly one tier after the crash');
        await job().runOnce();
        const segments = await cold.list('acme');
        assert.deepEqual(
          segments.map((s) => s.day),
          ['2024-03-01', '2024-03-02'],
        );
        assert.deepEqual(ids(business(await everyTier(store, cold, 'acme'))), ids(events));
        const records = (
          await store.query('acme', {
            filter: compileFilter({ types: ['system.retention.archived'] }),
            first: 10,
            order: 'ASC',
          })
        ).events;
        assert.deepEqual(
          records.map((r) => r.payload['day']),
          ['2024-03-01', '2024-03-02'],
        );
      });
    }

    // MongoDB only: the memory store deletes a prefix in one step.
    if (kind === 'mongodb')
      it('finishes a delete that died after the floor was raised, hiding its leftovers from pages meanwhile', async () => {
        const events = await seed();
        await job({ faults: { afterVerify: () => Promise.reject(new Error('crash')) } }).runOnce();
        const [segment] = await cold.list('acme');
        // What a deleteMany killed before it removed anything leaves: the floor raised, every event still there.
        await db!
          .collection('event_floors')
          .updateOne({ _id: 'acme' as never }, { $set: { purged: segment!.lastPosition } }, { upsert: true });
        assert.equal(
          await db!
            .collection('events')
            .countDocuments({ tenantId: 'acme', position: { $lte: segment!.lastPosition } }),
          3,
        );
        const page = await store.query('acme', { filter: ALL, first: 50, order: 'DESC' });
        assert.deepEqual(
          ids(business(page.events)),
          ids(events.slice(3).reverse()),
          'pages do not show what is below the floor',
        );
        await job().runOnce();
        assert.equal(
          await db!
            .collection('events')
            .countDocuments({ tenantId: 'acme', position: { $lte: segment!.lastPosition } }),
          0,
        );
        assert.deepEqual(ids(business(await everyTier(store, cold, 'acme'))), ids(events));
        assert.deepEqual(
          (await cold.list('acme')).map((s) => s.day),
          ['2024-03-01', '2024-03-02'],
        );
      });

    it('runs on one process at a time: a second job waits for the lease, and one that lost it stops before its next write', async () => {
      const events = await seed();
      const paused = gate();
      const first = job({ faults: { afterWrite: paused.hold } });
      const running = first.runOnce();
      await paused.reached;
      assert.equal(await job().runOnce(), null, 'the lease is held');
      clock += 16_000; // the first job stalls past its lease
      const second = await job().runOnce();
      assert.equal(second?.archived.length, 2);
      paused.release();
      await assert.rejects(running, /lease was lost/);
      assert.deepEqual(
        (await cold.list('acme')).map((s) => s.day),
        ['2024-03-01', '2024-03-02'],
      );
      assert.deepEqual(ids(business(await everyTier(store, cold, 'acme'))), ids(events));
    });
  });
}
