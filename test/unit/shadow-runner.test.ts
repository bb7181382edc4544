// The replay runner on SHADOW jobs, on memory adapters: a job resumed from its checkpoint after a
// crash counts and lists its differences as an uninterrupted run would, and its scratch
// projections are gone once it ends.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import type { HubEvent } from '../../src/events/event.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { isFinal, type ReplayJob } from '../../src/replay/replay-job.ts';
import { createReplayService } from '../../src/replay/replay-service.ts';
import type { ReplayDifference } from '../../src/replay/shadow-outcome.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { pendingEvent } from '../support/fixtures.ts';

const log = createLogger('silent');

/** Publishes a follow-up for odd `n` and keeps a projection per event. */
const oddShipper: HubHandler = {
  name: 'odd',
  eventTypes: ['crm.>'],
  priority: 0,
  async handle(event, ctx) {
    await ctx.projections.put('seen', event.id, { n: event.payload['n'] });
    if (Number(event.payload['n']) % 2 === 1)
      await ctx.publish({ type: 'crm.item.shipped', payload: { n: event.payload['n'] } });
  },
};

/** Publishes a follow-up over the captured-payload budget and one the hub refuses (a system.* type). */
const bulky: HubHandler = {
  name: 'bulky',
  eventTypes: ['crm.>'],
  priority: 0,
  async handle(event, ctx) {
    await ctx.publish({ type: 'crm.item.small', payload: { n: event.payload['n'] } });
    await ctx.publish({ type: 'crm.item.bulky', payload: { blob: 'x'.repeat(20_000) } });
    const refused = await ctx.publish({ type: 'system.item.forged', payload: {} });
    assert.equal(refused.status, 'REJECTED');
  },
};

async function setup(t: TestContext, { maxDifferences }: { maxDifferences?: number } = {}) {
  const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
  const bus = createInProcessEventBus();
  const ingest = createIngest({ store: storage.store, bus, log, maxEventBytes: 1_048_576, maxBatch: 1000 });
  const replays = createReplayService({
    ...storage,
    ingest,
    handlers: [oddShipper, bulky],
    handlerTimeoutMs: 1000,
    ratePerSecond: 1000,
    leaseMs: 1000,
    pollMs: 50,
    log,
    maxDifferences,
  });
  t.after(async () => {
    await replays.close();
    await close();
  });
  const outcomes = await storage.store.append(
    Array.from({ length: 5 }, (_, n) => pendingEvent({ type: 'crm.item.made', tenantId: 'acme', payload: { n } })),
  );
  const events = outcomes.map((o) => (o.status === 'ACCEPTED' ? o.event : assert.fail('not stored')));
  // The live trail: every event handled, no follow-ups; so the shadow differs on the odd ones.
  for (const event of events) {
    const at = new Date();
    await storage.handlerStore.recordOutcome({
      tenantId: 'acme',
      eventId: event.id,
      handler: 'odd',
      status: 'HANDLED',
      attempts: 1,
      firstAttemptAt: at,
      lastAttemptAt: at,
      durationMs: 1,
      followUps: [],
    });
  }
  const final = async (id: string): Promise<ReplayJob> => {
    for (let i = 0; i < 400; i++) {
      const job = await replays.get('acme', id);
      if (job && isFinal(job.status)) return job;
      await sleep(10);
    }
    assert.fail(`job ${id} did not end`);
  };
  return { ...storage, replays, events, final };
}

const stub = (jobId: string, event: HubEvent, changes: string[]): ReplayDifference => ({
  jobId,
  tenantId: 'acme',
  eventId: event.id,
  position: event.position,
  handler: 'odd',
  live: null,
  shadow: { status: 'HANDLED', attempts: 1, durationMs: 0, followUps: [], error: null },
  changes,
});

describe('SHADOW jobs in the replay runner', () => {
  it('resumes after a crash without counting a difference twice, and drops what the interrupted chunk found past the checkpoint', async (t) => {
    const hub = await setup(t);
    const { events } = hub;
    const job = await hub.replays.create('acme', { target: 'SHADOW', handlers: ['odd'], filter: {} });
    // What a process that died left: it counted event 1's difference up to its checkpoint, and its
    // last chunk had stored one for event 4 (stale: the run finds none there) before it died.
    await hub.replayStore.begin(job.id);
    await hub.replayStore.save({
      ...job,
      status: 'RUNNING',
      startedAt: new Date(),
      until: events[4]!.position,
      processed: 2,
      differences: 1,
      checkpoint: events[1]!.position,
    });
    await hub.replayStore.putDifferences([
      stub(job.id, events[1]!, ['followUps.count']),
      stub(job.id, events[4]!, ['stale']),
    ]);

    hub.replays.start();
    const done = await hub.final(job.id);
    assert.deepEqual([done.status, done.processed, done.failed, done.differences], ['COMPLETED', 5, 0, 2]);
    const listed = await hub.replays.differences('acme', job.id, { first: 10 });
    assert.deepEqual(
      listed.differences.map((d) => [d.eventId, d.changes]),
      [
        [events[1]!.id, ['followUps.count']],
        [events[3]!.id, ['followUps.count', 'followUps.types']],
      ],
    );
  });

  it('drops the scratch projections when the job ends, and never writes the live ones', async (t) => {
    const hub = await setup(t);
    hub.replays.start();
    const job = await hub.replays.create('acme', { target: 'SHADOW', handlers: ['odd'], filter: {} });
    const done = await hub.final(job.id);
    assert.deepEqual([done.status, done.differences], ['COMPLETED', 2]);
    for (const event of hub.events) {
      assert.equal(await hub.replayStore.getScratch(job.id, 'seen', event.id), null);
      assert.equal(await hub.handlerStore.getProjection('acme', 'seen', event.id), null);
    }
    assert.equal(await hub.store.headPosition('acme'), hub.events.at(-1)!.position, 'no follow-up stored');
  });

  it('stores at most HUB_SHADOW_MAX_DIFFERENCES differences of a job, and counts them all', async (t) => {
    const hub = await setup(t, { maxDifferences: 1 });
    hub.replays.start();
    const job = await hub.replays.create('acme', { target: 'SHADOW', handlers: ['odd'], filter: {} });
    const done = await hub.final(job.id);
    assert.equal(done.differences, 2);
    assert.deepEqual(
      (await hub.replays.differences('acme', job.id, { first: 10 })).differences.map((d) => d.eventId),
      [hub.events[1]!.id],
    );
  });

  it('keeps captured payloads up to 16 KiB per outcome (then only their hash), and does not capture a refused publish', async (t) => {
    const hub = await setup(t);
    hub.replays.start();
    const job = await hub.replays.create('acme', { target: 'SHADOW', handlers: ['bulky'], filter: {} });
    const done = await hub.final(job.id);
    // bulky has no trail entry (it is not live), so every event it handled is a difference.
    assert.deepEqual([done.status, done.processed, done.differences], ['COMPLETED', 5, 5]);
    const [first] = (await hub.replays.differences('acme', job.id, { first: 1 })).differences;
    assert.deepEqual(
      first!.shadow.followUps.map((f) => [f.type, f.payload === null, f.payloadHash.length]),
      [
        ['crm.item.small', false, 64],
        ['crm.item.bulky', true, 64],
      ],
    );
    assert.equal(await hub.store.headPosition('acme'), hub.events.at(-1)!.position, 'nothing stored');
  });
});
