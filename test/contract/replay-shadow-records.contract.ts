// The ReplayStore's SHADOW part (ShadowRecords in src/replay/replay-store.ts), run on every adapter:
// differences keyed by (job, event, handler), listed in event order per tenant, dropped after a
// checkpoint and with the job; scratch projections per job.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newEventId } from '../../src/events/ids.ts';
import type { ReplayDifference } from '../../src/replay/shadow-outcome.ts';
import { replayJob, type MakeReplayStore } from './replay-store.contract.ts';

const at = new Date('2024-05-01T08:00:00.000Z');

/** The one builder for differences here: the event at `position` of job `jobId`, handler ship-next, payload keys a document could not hold. */
function difference(jobId: string, position: number, overrides: Partial<ReplayDifference> = {}): ReplayDifference {
  return {
    jobId,
    tenantId: 'acme',
    eventId: `event-${position}`,
    position,
    handler: 'ship-next',
    live: {
      handler: 'ship',
      status: 'DEAD_LETTERED',
      attempts: 3,
      firstAttemptAt: at,
      lastAttemptAt: at,
      durationMs: 4,
      followUps: ['f1'],
      error: { message: 'no', code: 'HANDLER_ERROR', attempts: 3, lastAttempt: at },
    },
    shadow: {
      status: 'HANDLED',
      attempts: 1,
      durationMs: 2,
      followUps: [{ type: 'x.shipped', subject: null, payload: { $set: 1, 'a.b': { c: [1] } }, payloadHash: 'ab' }],
      error: null,
    },
    changes: ['status', 'followUps.payloads'],
    ...overrides,
  };
}

export function runShadowRecordsContract(name: string, make: MakeReplayStore): void {
  describe(`ReplayStore shadow records on ${name}`, () => {
    it('keeps one difference per (job, event, handler): writing it again replaces it', async (t) => {
      const { store } = await make(t);
      const jobId = newEventId();
      await store.putDifferences([difference(jobId, 1), difference(jobId, 2)]);
      const again = difference(jobId, 2, { changes: ['followUps.count'] });
      await store.putDifferences([again, difference(jobId, 3)]);
      const page = await store.differences('acme', jobId, { first: 10 });
      assert.deepEqual(page, { differences: [difference(jobId, 1), again, difference(jobId, 3)], hasNextPage: false });
    });

    it('lists differences in event order, then by handler, a page at a time after a cursor', async (t) => {
      const { store } = await make(t);
      const jobId = newEventId();
      const all = [
        difference(jobId, 7, { handler: 'b' }),
        difference(jobId, 3),
        difference(jobId, 7, { handler: 'a' }),
        difference(jobId, 9),
      ];
      await store.putDifferences(all);
      const first = await store.differences('acme', jobId, { first: 2 });
      assert.deepEqual(
        first.differences.map((d) => [d.position, d.handler]),
        [
          [3, 'ship-next'],
          [7, 'a'],
        ],
      );
      assert.equal(first.hasNextPage, true);
      const second = await store.differences('acme', jobId, { first: 2, after: { position: 7, handler: 'a' } });
      assert.deepEqual(
        second.differences.map((d) => [d.position, d.handler]),
        [
          [7, 'b'],
          [9, 'ship-next'],
        ],
      );
      assert.equal(second.hasNextPage, false);
    });

    it("answers another tenant's job, and another job, with no differences", async (t) => {
      const { store } = await make(t);
      const [mine, other] = [newEventId(), newEventId()];
      await store.putDifferences([difference(mine, 1), difference(other, 1)]);
      assert.deepEqual(await store.differences('globex', mine, { first: 10 }), { differences: [], hasNextPage: false });
      assert.deepEqual(
        (await store.differences('acme', mine, { first: 10 })).differences.map((d) => d.jobId),
        [mine],
      );
    });

    it("drops a job's differences past a position, and only that job's", async (t) => {
      const { store } = await make(t);
      const [jobId, other] = [newEventId(), newEventId()];
      await store.putDifferences([
        difference(jobId, 1),
        difference(jobId, 5),
        difference(jobId, 6),
        difference(other, 6),
      ]);
      await store.dropDifferencesAfter(jobId, 5);
      assert.deepEqual(
        (await store.differences('acme', jobId, { first: 10 })).differences.map((d) => d.position),
        [1, 5],
      );
      assert.equal((await store.differences('acme', other, { first: 10 })).differences.length, 1);
    });

    it('keeps scratch projections per job, replaced on put, until the job drops them', async (t) => {
      const { store } = await make(t);
      const [jobId, other] = [newEventId(), newEventId()];
      assert.equal(await store.getScratch(jobId, 'orders', 'o1'), null);
      await store.putScratch(jobId, 'orders', 'o1', { total: 1, $odd: { 'x.y': true } });
      await store.putScratch(jobId, 'orders', 'o1', { total: 2, $odd: { 'x.y': true } });
      await store.putScratch(other, 'orders', 'o1', { total: 9 });
      assert.deepEqual(await store.getScratch(jobId, 'orders', 'o1'), { total: 2, $odd: { 'x.y': true } });
      assert.equal(await store.getScratch(jobId, 'orders', 'o2'), null);
      await store.dropScratch(jobId);
      await store.dropScratch(jobId);
      assert.equal(await store.getScratch(jobId, 'orders', 'o1'), null);
      assert.deepEqual(await store.getScratch(other, 'orders', 'o1'), { total: 9 });
    });

    it('drops differences and scratch with the job when retention drops it', async (t) => {
      const { store } = await make(t);
      const old = replayJob({
        target: 'SHADOW',
        differences: 1,
        status: 'COMPLETED',
        finishedAt: new Date(at.getTime() - 1000),
      });
      const kept = replayJob({
        target: 'SHADOW',
        differences: 1,
        status: 'COMPLETED',
        finishedAt: new Date(at.getTime() + 1000),
      });
      for (const job of [old, kept]) {
        await store.create(job);
        await store.putDifferences([difference(job.id, 1)]);
        await store.putScratch(job.id, 'orders', 'o1', { total: 1 });
      }
      assert.equal(await store.dropFinished(at, 10), 1);
      assert.deepEqual(await store.differences('acme', old.id, { first: 10 }), { differences: [], hasNextPage: false });
      assert.equal(await store.getScratch(old.id, 'orders', 'o1'), null);
      assert.equal((await store.differences('acme', kept.id, { first: 10 })).differences.length, 1);
      assert.deepEqual(await store.getScratch(kept.id, 'orders', 'o1'), { total: 1 });
      assert.equal((await store.get('acme', kept.id))?.differences, 1, 'a SHADOW job keeps its count');
    });
  });
}
