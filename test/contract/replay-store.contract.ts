// The ReplayStore contract: the guarantees of src/replay/replay-store.ts, run on every adapter.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { newEventId } from '../../src/events/ids.ts';
import { ReplayStatus, type ReplayJob } from '../../src/replay/replay-job.ts';
import type { ReplayStore } from '../../src/replay/replay-store.ts';

export interface ReplayStoreUnderTest {
  store: ReplayStore;
  /** Another store on the same data, as a second hub process opens it (memory: the same store). */
  peer(): Promise<ReplayStore>;
}

/** A fresh, empty store; cleanup registered on `t`. */
export type MakeReplayStore = (t: TestContext) => Promise<ReplayStoreUnderTest>;

const T0 = Date.parse('2024-05-01T08:00:00.000Z');

/** The one builder for jobs in these tests: a PENDING HANDLERS job of tenant acme, overridable. */
export function replayJob(overrides: Partial<ReplayJob> = {}): ReplayJob {
  return {
    id: newEventId(),
    tenantId: 'acme',
    status: ReplayStatus.PENDING,
    filter: {
      types: ['crm.>'],
      from: '2024-01-01T00:00:00.000Z',
      where: [{ path: 'payload.$weird.key', op: 'EQ', value: { $gt: 1 } }],
    },
    target: 'HANDLERS',
    handlers: ['notify'],
    dryRun: false,
    total: null,
    processed: 0,
    failed: 0,
    sample: [],
    createdAt: new Date(T0),
    checkpoint: 0,
    cancelRequested: false,
    ...overrides,
  };
}

export function runReplayStoreContract(name: string, make: MakeReplayStore): void {
  describe(`ReplayStore contract on ${name}`, () => {
    it('stores a job and reads it back as given, only in its own tenant', async (t) => {
      const { store } = await make(t);
      const job = replayJob();
      await store.create(job);
      assert.deepEqual(await store.get('acme', job.id), job);
      assert.equal(await store.get('globex', job.id), null, "another tenant's job is absent");
      assert.equal(await store.get('acme', newEventId()), null);
      assert.deepEqual(await store.load(job.id), job);
    });

    it('saves the holder’s progress, optional fields included, and reads it back', async (t) => {
      const { store } = await make(t);
      const job = replayJob();
      await store.create(job);
      const running: ReplayJob = {
        ...job,
        status: 'RUNNING',
        startedAt: new Date(T0 + 1000),
        until: 42,
        total: 7,
        processed: 3,
        failed: 1,
        checkpoint: 30,
        sample: ['a', 'b'],
      };
      await store.save(running);
      assert.deepEqual(await store.get('acme', job.id), running);
      const done: ReplayJob = { ...running, status: 'FAILED', finishedAt: new Date(T0 + 2000), error: 'boom' };
      await store.save(done);
      assert.deepEqual(await store.load(job.id), done);
    });

    it('lists a tenant’s jobs newest first, page by page', async (t) => {
      const { store } = await make(t);
      const jobs: ReplayJob[] = [];
      for (let i = 0; i < 5; i++) {
        const job = replayJob({ tenantId: i === 2 ? 'globex' : 'acme' });
        jobs.push(job);
        await store.create(job);
      }
      const acme = jobs.filter((job) => job.tenantId === 'acme').reverse();
      const first = await store.list('acme', { first: 3 });
      assert.deepEqual(
        first.jobs.map((job) => job.id),
        acme.slice(0, 3).map((job) => job.id),
      );
      assert.equal(first.hasNextPage, true);
      const second = await store.list('acme', { first: 3, after: first.jobs.at(-1)!.id });
      assert.deepEqual(
        second.jobs.map((job) => job.id),
        acme.slice(3).map((job) => job.id),
      );
      assert.equal(second.hasNextPage, false);
      assert.deepEqual(
        (await store.list('globex', { first: 10 })).jobs.map((job) => job.id),
        [jobs[2]!.id],
      );
    });

    it('offers runners each tenant’s oldest PENDING and RUNNING jobs, however many jobs another tenant has', async (t) => {
      const { store } = await make(t);
      const running = replayJob({ status: 'RUNNING' });
      const pending = [replayJob(), replayJob(), replayJob()];
      const globex = replayJob({ tenantId: 'globex' });
      const done = replayJob({ tenantId: 'initech', status: 'COMPLETED' });
      for (const job of [running, ...pending, globex, done]) await store.create(job);
      const offered = async (perTenant: number) => (await store.runnable(perTenant)).map((job) => job.id).sort();
      assert.deepEqual(await offered(10), [running.id, ...pending.map((job) => job.id), globex.id].sort());
      assert.deepEqual(await offered(2), [running.id, pending[0]!.id, globex.id].sort());
      assert.deepEqual(await offered(1), [running.id, globex.id].sort());
      const acme = (await store.runnable(10)).filter((job) => job.tenantId === 'acme').map((job) => job.id);
      assert.deepEqual(acme, [running.id, ...pending.map((job) => job.id)], 'oldest first within a tenant');
    });

    it('cancels a job that has not begun at once: it never begins, and reads CANCELLED', async (t) => {
      const { store, peer } = await make(t);
      const job = replayJob();
      await store.create(job);
      assert.equal(await store.requestCancel('globex', job.id), false, 'another tenant cannot cancel it');
      assert.equal(await store.requestCancel('acme', newEventId()), false);
      assert.equal(await store.requestCancel('acme', job.id), true);
      const seen = (await store.get('acme', job.id))!;
      assert.equal(seen.status, 'CANCELLED');
      assert.equal(seen.cancelRequested, true);
      assert.ok(seen.finishedAt instanceof Date);
      assert.equal(await (await peer()).begin(job.id), 'CANCELLED');
      assert.equal(await store.cancelRequested(job.id), true);
      assert.equal((await store.load(job.id))!.status, 'PENDING', 'the saved state is left to the runner');
    });

    it('lets a job that began run on after a cancel, flagged until its runner ends it', async (t) => {
      const { store } = await make(t);
      const job = replayJob();
      await store.create(job);
      assert.equal(await store.begin(job.id), 'RUN');
      assert.equal(await store.begin(job.id), 'RUN', 'a takeover gets the same answer');
      await store.save({ ...job, status: 'RUNNING' });
      assert.equal(await store.cancelRequested(job.id), false);
      assert.equal(await store.requestCancel('acme', job.id), true);
      assert.equal(await store.requestCancel('acme', job.id), true, 'asking twice is harmless');
      assert.deepEqual(
        { ...(await store.get('acme', job.id))!, id: '' },
        { ...job, id: '', status: 'RUNNING', cancelRequested: true },
      );
      assert.equal(await store.cancelRequested(job.id), true);
      await store.save({ ...job, status: 'CANCELLED', finishedAt: new Date(T0) });
      assert.equal((await store.get('acme', job.id))!.status, 'CANCELLED');
    });

    it('decides begin against cancel once when processes race', async (t) => {
      const { store, peer } = await make(t);
      const other = await peer();
      const job = replayJob();
      await store.create(job);
      const [a, b, cancelled, c] = await Promise.all([
        store.begin(job.id),
        other.begin(job.id),
        other.requestCancel('acme', job.id),
        store.begin(job.id),
      ]);
      assert.equal(cancelled, true);
      assert.ok(a === b && b === c, `${a} ${b} ${c}`);
      assert.equal((await store.get('acme', job.id))!.status, a === 'RUN' ? 'PENDING' : 'CANCELLED');
    });

    it('claims a handler run for exactly one caller, ever, and remembers how it ended', async (t) => {
      const { store, peer } = await make(t);
      const other = await peer();
      const key = { jobId: newEventId(), eventId: newEventId(), handler: 'notify' };
      const claims = (
        await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? other : store).claimRuns([key])))
      ).flat();
      assert.equal(claims.filter((claim) => claim === 'CLAIMED').length, 1, JSON.stringify(claims));
      assert.ok(claims.filter((claim) => claim !== 'CLAIMED').every((claim) => claim === 'STARTED'));
      await store.settleRuns([{ key, state: 'DONE' }]);
      assert.deepEqual(await other.claimRuns([key]), ['DONE']);
      const failing = { ...key, handler: 'audit' };
      assert.deepEqual(await store.claimRuns([failing]), ['CLAIMED']);
      await store.settleRuns([{ key: failing, state: 'FAILED' }]);
      assert.deepEqual(await store.claimRuns([failing]), ['FAILED']);
      assert.deepEqual(
        await store.claimRuns([{ ...key, eventId: newEventId() }]),
        ['CLAIMED'],
        'runs are per (job, event, handler)',
      );
    });

    it('claims and settles a chunk of runs in one call each, answering per key in order', async (t) => {
      const { store, peer } = await make(t);
      const other = await peer();
      const jobId = newEventId();
      const keys = Array.from({ length: 5 }, () => ({ jobId, eventId: newEventId(), handler: 'notify' }));
      await other.claimRuns([keys[1]!, keys[3]!]);
      await other.settleRuns([{ key: keys[1]!, state: 'DONE' }]);
      assert.deepEqual(await store.claimRuns(keys), ['CLAIMED', 'DONE', 'CLAIMED', 'STARTED', 'CLAIMED']);
      await store.settleRuns([
        { key: keys[0]!, state: 'DONE' },
        { key: keys[2]!, state: 'FAILED' },
      ]);
      assert.deepEqual(await other.claimRuns(keys), ['DONE', 'DONE', 'FAILED', 'STARTED', 'STARTED']);
      assert.deepEqual(await store.claimRuns([]), []);
    });

    it('gives back claims of runs that never started, and only those', async (t) => {
      const { store, peer } = await make(t);
      const other = await peer();
      const jobId = newEventId();
      const [ran, unstarted] = [0, 1].map(() => ({ jobId, eventId: newEventId(), handler: 'notify' }));
      await store.claimRuns([ran!, unstarted!]);
      await store.settleRuns([{ key: ran!, state: 'DONE' }]);
      await store.releaseRuns([ran!, unstarted!]);
      assert.deepEqual(
        await other.claimRuns([ran!, unstarted!]),
        ['DONE', 'CLAIMED'],
        'the next holder runs what was given back',
      );
      await store.releaseRuns([]);
    });

    it('drops jobs that ended before the retention cut-off, with their runs and marks, and keeps the rest', async (t) => {
      const { store } = await make(t);
      const cutOff = new Date(T0);
      const before = new Date(T0 - 1000);
      const old = [
        replayJob({ status: 'COMPLETED', finishedAt: before }),
        replayJob({ tenantId: 'globex', status: 'FAILED', finishedAt: before, error: 'x' }),
        replayJob({ status: 'CANCELLED', finishedAt: before }),
      ];
      const recent = replayJob({ status: 'COMPLETED', finishedAt: new Date(T0 + 1000) });
      const running = replayJob({ status: 'RUNNING', startedAt: before });
      for (const job of [...old, recent, running]) await store.create(job);
      const run = { jobId: old[0]!.id, eventId: newEventId(), handler: 'notify' };
      await store.claimRuns([run]);
      await store.settleRuns([{ key: run, state: 'DONE' }]);
      await store.requestCancel('acme', old[2]!.id);

      assert.equal(await store.dropFinished(cutOff, 2), 2, 'at most the limit at a time');
      assert.equal(await store.dropFinished(cutOff, 10), 1);
      assert.equal(await store.dropFinished(cutOff, 10), 0);
      for (const job of old) assert.equal(await store.load(job.id), null);
      assert.equal((await store.get('acme', recent.id))?.status, 'COMPLETED');
      assert.equal((await store.get('acme', running.id))?.status, 'RUNNING');
      assert.deepEqual(await store.claimRuns([run]), ['CLAIMED'], 'the dropped job’s runs went with it');
      assert.equal(await store.cancelRequested(old[2]!.id), false, 'and so did its marks');
    });
  });
}
