// The replay runner on memory adapters: resuming after a crash without running anything twice,
// a cancel before the job began, reading only up to the head at the start, and pacing.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import type { HubEvent } from '../../src/events/event.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { replayedEvent } from '../../src/replay/replay-events.ts';
import { isFinal, type ReplayJob } from '../../src/replay/replay-job.ts';
import { createReplayService } from '../../src/replay/replay-service.ts';
import { createTokenBucket } from '../../src/replay/token-bucket.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { pendingEvent } from '../support/fixtures.ts';

const log = createLogger('silent');

/** Memory storage, an ingest and a replay service whose runner starts when the test says so. */
function setup(t: TestContext, { rate = 1000, handlers = [] as HubHandler[] } = {}) {
  const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
  const bus = createInProcessEventBus();
  const ingest = createIngest({ store: storage.store, bus, log, maxEventBytes: 1_048_576, maxBatch: 1000 });
  const replays = createReplayService({
    ...storage,
    ingest,
    handlers,
    handlerTimeoutMs: 1000,
    ratePerSecond: rate,
    leaseMs: 1000,
    pollMs: 50,
    log,
    cancelWaitMs: 300,
  });
  t.after(async () => {
    await replays.close();
    await close();
  });
  const append = async (count: number, type = 'crm.item.made', tenantId = 'acme') => {
    const outcomes = await storage.store.append(
      Array.from({ length: count }, (_, n) => pendingEvent({ type, tenantId, payload: { n } })),
    );
    return outcomes.map((o) => (o.status === 'ACCEPTED' ? o.event : assert.fail('not stored')));
  };
  const final = async (id: string, tenantId = 'acme'): Promise<ReplayJob> => {
    for (let i = 0; i < 400; i++) {
      const job = await replays.get(tenantId, id);
      if (job && isFinal(job.status)) return job;
      await sleep(10);
    }
    assert.fail(`job ${id} did not end`);
  };
  return { ...storage, ingest, replays, append, final };
}

const recorder = (calls: string[], name = 'rec'): HubHandler => ({
  name,
  eventTypes: ['crm.>'],
  priority: 0,
  async handle(event: HubEvent) {
    calls.push(event.id);
  },
});

describe('replay runner', () => {
  it('resumes a HANDLERS job after a crash: runs done stay done, an interrupted run counts failed and never runs again', async (t) => {
    const calls: string[] = [];
    const hub = setup(t, { handlers: [recorder(calls)] });
    const events = await hub.append(5);
    const job = await hub.replays.create('acme', { target: 'HANDLERS', filter: {} });
    // What a process that died left: it began the job, finished event 0, settled event 1 after the
    // last checkpoint, and died in the middle of event 2.
    await hub.replayStore.begin(job.id);
    await hub.replayStore.save({
      ...job,
      status: 'RUNNING',
      startedAt: new Date(),
      until: 5,
      total: 5,
      processed: 1,
      checkpoint: events[0]!.position,
    });
    const run = (i: number) => ({ jobId: job.id, eventId: events[i]!.id, handler: 'rec' });
    await hub.replayStore.claimRuns([run(1), run(2)]);
    await hub.replayStore.settleRuns([{ key: run(1), state: 'DONE' }]);

    hub.replays.start();
    const done = await hub.final(job.id);
    assert.deepEqual([done.status, done.total, done.processed, done.failed], ['COMPLETED', 5, 4, 1]);
    assert.deepEqual(calls, [events[3]!.id, events[4]!.id]);
  });

  it('stops a HANDLERS job mid-chunk on shutdown and gives back the runs it did not start: the next runner does them, none twice, none failed', async (t) => {
    const calls: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const handler: HubHandler = {
      ...recorder(calls),
      async handle(event: HubEvent) {
        calls.push(event.id);
        if (event.payload['n'] === 1 && !holding) {
          holding = true;
          await held;
        }
      },
    };
    const first = setup(t, { handlers: [handler] });
    const events = await first.append(5); // one chunk: the bucket's capacity is 100
    first.replays.start();
    const job = await first.replays.create('acme', { target: 'HANDLERS', filter: {} });
    while (!holding) await sleep(5);
    const closing = first.replays.close(); // shutdown while event 1 is in hand
    release();
    await closing;
    const stopped = (await first.replayStore.load(job.id))!;
    assert.deepEqual(
      [stopped.status, stopped.processed, stopped.failed, stopped.checkpoint],
      ['RUNNING', 2, 0, events[1]!.position],
    );

    const next = createReplayService({
      ...first,
      handlers: [handler],
      handlerTimeoutMs: 1000,
      ratePerSecond: 1000,
      leaseMs: 1000,
      pollMs: 50,
      log,
      cancelWaitMs: 300,
    });
    t.after(() => next.close());
    next.start();
    const done = await first.final(job.id);
    assert.deepEqual([done.status, done.processed, done.failed], ['COMPLETED', 5, 0]);
    assert.deepEqual(
      calls,
      events.map((e) => e.id),
      'every event once, in order',
    );
  });

  it('resumes a REPUBLISH job after a crash with one new event per original', async (t) => {
    const hub = setup(t);
    const events = await hub.append(4);
    const job = await hub.replays.create('acme', { target: 'REPUBLISH', filter: { types: ['crm.>'] } });
    await hub.replayStore.begin(job.id);
    await hub.replayStore.save({ ...job, status: 'RUNNING', startedAt: new Date(), until: 4, total: 4, checkpoint: 0 });
    // The dead process had republished the first two before saving any progress.
    await hub.ingest.publishInternal(events.slice(0, 2).map((event) => replayedEvent(event, job.id, new Date())));

    hub.replays.start();
    const done = await hub.final(job.id);
    assert.deepEqual([done.status, done.processed, done.failed], ['COMPLETED', 4, 0]);
    const page = await hub.store.query('acme', { filter: { query: {}, typePatterns: null }, first: 100, order: 'ASC' });
    const copies = page.events.filter((e) => e.metadata.replay).map((e) => e.metadata.replay!.originalEventId);
    assert.deepEqual(copies.sort(), events.map((e) => e.id).sort());
  });

  it('cancels a PENDING job at once: it never runs', async (t) => {
    const calls: string[] = [];
    const hub = setup(t, { handlers: [recorder(calls)] });
    await hub.append(3);
    const job = await hub.replays.create('acme', { target: 'HANDLERS', filter: {} });
    const asked = Date.now();
    const cancelled = await hub.replays.cancel('acme', job.id);
    assert.ok(Date.now() - asked < 100, 'answered without waiting for a runner');
    assert.deepEqual([cancelled.status, cancelled.cancelRequested, cancelled.processed], ['CANCELLED', true, 0]);
    hub.replays.start();
    await sleep(200);
    const later = (await hub.replays.get('acme', job.id))!;
    assert.deepEqual([later.status, later.finishedAt], ['CANCELLED', cancelled.finishedAt]);
    assert.equal((await hub.replayStore.load(job.id))!.status, 'CANCELLED', 'the runner saved it final');
    assert.deepEqual(calls, []);
    assert.equal(await hub.store.headPosition('acme'), 3, 'no system events for a job that never began');
  });

  it('fails a job whose handler this process does not run, saying why', async (t) => {
    const hub = setup(t, { handlers: [recorder([])] });
    await hub.append(2);
    const job = await hub.replays.create('acme', { target: 'HANDLERS', filter: {} });
    await hub.replayStore.save({ ...job, handlers: ['rec', 'ghost'] }); // as a process with another handler set would have made it
    hub.replays.start();
    const done = await hub.final(job.id);
    assert.equal(done.status, 'FAILED');
    assert.match(done.error ?? '', /handler "ghost" is not loaded/);
    assert.equal(await hub.store.headPosition('acme'), 2, 'no system events for a job that never counted');
  });

  it('reads only up to the head at its start, so REPUBLISH does not chase its own output', async (t) => {
    const hub = setup(t, { rate: 20 });
    await hub.append(6);
    hub.replays.start();
    const job = await hub.replays.create('acme', { target: 'REPUBLISH', filter: { types: ['crm.>'] } });
    await sleep(50);
    await hub.append(2); // arrives while the job runs: after its head
    const done = await hub.final(job.id);
    assert.deepEqual([done.until, done.total, done.processed], [6, 6, 6]);
    assert.equal(
      await hub.store.headPosition('acme'),
      6 + 2 + 6 + 2,
      'originals, late ones, copies, started and completed',
    );
  });

  it('paces jobs at the configured rate, all jobs of a process together', async (t) => {
    const hub = setup(t, { rate: 40 });
    await hub.append(12, 'crm.item.made', 'acme');
    await hub.append(12, 'crm.item.made', 'globex');
    hub.replays.start();
    const startedAt = Date.now();
    const jobs = [
      await hub.replays.create('acme', { target: 'REPUBLISH', filter: {} }),
      await hub.replays.create('globex', { target: 'REPUBLISH', filter: {} }),
    ];
    await hub.final(jobs[0]!.id, 'acme');
    await hub.final(jobs[1]!.id, 'globex');
    const elapsed = Date.now() - startedAt;
    // 24 events at 40/s with a burst of 4: at least (24 - 4) / 40 s.
    assert.ok(elapsed >= 450, `24 events took only ${elapsed} ms`);
  });

  it('token bucket: bursts up to its capacity, then one token per 1/rate s, and leaves the queue on abort', async () => {
    let clock = 0;
    const bucket = createTokenBucket({ ratePerSecond: 10, capacity: 3, now: () => clock });
    assert.equal(bucket.capacity, 3);
    assert.equal(await bucket.take(3), true);
    const controller = new AbortController();
    const waiting = bucket.take(1, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
    clock += 100; // one token
    assert.equal(await bucket.take(1), true);
    assert.equal(createTokenBucket({ ratePerSecond: 5 }).capacity, 1);
  });
});

describe('replay job retention', () => {
  it('drops jobs that ended longer ago than the retention when the runner starts, and keeps newer ones', async (t) => {
    const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
    const bus = createInProcessEventBus();
    const ingest = createIngest({ store: storage.store, bus, log, maxEventBytes: 1_048_576, maxBatch: 1000 });
    const day = 86_400_000;
    const at = Date.now();
    const job = (id: string, finishedAt: number): ReplayJob => ({
      id,
      tenantId: 'acme',
      status: 'COMPLETED',
      filter: {},
      target: 'REPUBLISH',
      handlers: [],
      dryRun: false,
      total: 0,
      processed: 0,
      failed: 0,
      sample: [],
      createdAt: new Date(finishedAt),
      finishedAt: new Date(finishedAt),
      checkpoint: 0,
      cancelRequested: false,
    });
    await storage.replayStore.create(job('old', at - 31 * day));
    await storage.replayStore.create(job('new', at - 29 * day));
    const replays = createReplayService({
      ...storage,
      ingest,
      handlers: [],
      handlerTimeoutMs: 1000,
      ratePerSecond: 100,
      leaseMs: 1000,
      pollMs: 50,
      log,
      retentionMs: 30 * day,
    });
    t.after(async () => {
      await replays.close();
      await close();
    });
    replays.start();
    for (let i = 0; i < 100 && (await storage.replayStore.load('old')); i++) await sleep(10);
    assert.equal(await storage.replayStore.load('old'), null);
    assert.ok(await storage.replayStore.load('new'));
  });
});
