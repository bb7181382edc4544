// What the handler runtime's polls ask of the store: a line with nothing new stays asleep, so an idle
// hub does not read the archive on every full check (on FerretDB each such read is a scan).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import type { DeadLetter } from '../../src/handlers/handler-store.ts';
import { createHandlerRuntime } from '../../src/handlers/handler-runtime.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { pendingEvent, publishInput } from '../support/fixtures.ts';

const log = createLogger('silent');
const POLL_MS = 10; // a full check every 10th poll: every 100 ms

/**
 * A runtime on memory adapters whose store counts the line reads (`readRange`) and the polls (hint: plain, head: full).
 * `busDelayMs` holds every bus message back that long after its event is stored, as a slow publisher's would be.
 */
async function setup(t: TestContext, handler: HubHandler, busDelayMs = 0) {
  const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
  const reads = { count: 0, polls: 0, fullChecks: 0 };
  const readRange = storage.store.readRange.bind(storage.store);
  storage.store.readRange = (...args) => {
    reads.count++;
    return readRange(...args);
  };
  const positionHint = storage.store.positionHint.bind(storage.store);
  storage.store.positionHint = (...args) => {
    reads.polls++;
    return positionHint(...args);
  };
  const headPosition = storage.store.headPosition.bind(storage.store);
  storage.store.headPosition = (...args) => {
    reads.fullChecks++;
    return headPosition(...args);
  };
  const inner = createInProcessEventBus();
  const bus: EventBus = busDelayMs
    ? { ...inner, publish: async (event) => void setTimeout(() => void inner.publish(event), busDelayMs) }
    : inner;
  const ingest = createIngest({ store: storage.store, bus, log, maxEventBytes: 1_048_576, maxBatch: 1000 });
  const runtime = createHandlerRuntime({
    handlers: [handler],
    ...storage,
    bus,
    ingest,
    policy: { backoffMs: [10], maxAttempts: 2, timeoutMs: 1000 },
    leaseMs: 1000,
    pollMs: POLL_MS,
    log,
  });
  t.after(async () => {
    await runtime.close();
    await inner.close();
    await close();
  });
  await runtime.start();
  return { storage, runtime, reads, ingest };
}

type Reads = Awaited<ReturnType<typeof setup>>['reads'];

/** Since `from`: at least ten polls happened, and the line read at most once per full check (plus one in flight). */
function assertReadOnlyOnFullChecks(reads: Reads, from: Reads): void {
  const polls = reads.polls - from.polls;
  const fullChecks = reads.fullChecks - from.fullChecks;
  const lineReads = reads.count - from.count;
  assert.ok(polls >= 10, `only ${polls} polls happened: the test proves nothing`);
  assert.ok(lineReads <= fullChecks + 1, `${lineReads} line reads in ${polls} polls and ${fullChecks} full checks`);
}

async function until(condition: () => boolean, what: string, refresh = async () => {}): Promise<void> {
  const deadline = Date.now() + 5000;
  for (await refresh(); !condition(); await refresh()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('handler runtime polls', () => {
  it('leaves a line with nothing new asleep through full checks, and wakes it for a new event and for a redriven letter', async (t) => {
    const handled: string[] = [];
    let failing = true;
    const handler: HubHandler = {
      name: 'recorder',
      eventTypes: ['crm.item.made'],
      priority: 0,
      handle: async (event) => {
        if (failing && event.payload['fail']) throw new Error('not now');
        handled.push(event.id);
      },
    };
    const { storage, reads } = await setup(t, handler);
    const [first] = await storage.store.append([pendingEvent({ type: 'crm.item.made', payload: { fail: true } })]);
    assert.equal(first?.status, 'ACCEPTED');
    // Two attempts, then a dead letter; the line moves past it and goes to sleep.
    let letters: DeadLetter[] = [];
    await until(
      () => letters.length === 1,
      'the dead letter',
      async () => {
        letters = (await storage.handlerStore.deadLetters('acme', { filter: compileFilter(null), first: 10 }))
          .deadLetters;
      },
    );
    await sleep(50);

    const idleFrom = reads.count;
    await sleep(12 * 10 * POLL_MS); // a dozen full checks
    assert.equal(reads.count, idleFrom, 'an idle line read the store on full checks');

    await storage.store.append([pendingEvent({ type: 'crm.item.made' })]);
    await until(() => handled.length === 1, 'the new event handled');
    assert.ok(reads.count > idleFrom);

    failing = false;
    const letterId = letters[0]!.id;
    await storage.handlerStore.redrive('acme', [letterId]);
    await until(() => handled.length === 2, 'the redriven letter handled by a full check');
  });

  it('reads nothing between full checks for events the bus showed it and none of which match', async (t) => {
    const handled: number[] = [];
    const handler: HubHandler = {
      name: 'recorder',
      eventTypes: ['crm.item.made'],
      priority: 0,
      handle: async (event) => void handled.push(event.position),
    };
    const { reads, ingest } = await setup(t, handler);
    await sleep(3 * 10 * POLL_MS);
    const from = { ...reads };
    // Busy traffic of another type, through ingest (so on the bus), a few events per poll.
    for (const deadline = Date.now() + 40 * POLL_MS; Date.now() < deadline; await sleep(POLL_MS / 3)) {
      await ingest.publish('acme', [publishInput({ type: 'crm.other.made' })]);
    }
    assertReadOnlyOnFullChecks(reads, from);

    // A matching event is still handled at once.
    await ingest.publish('acme', [publishInput({ type: 'crm.item.made' })]);
    await until(() => handled.length === 1, 'the matching event');
  });

  it('moves a line past traffic the bus showed it and none of which matched on full checks, without reading it', async (t) => {
    const handler: HubHandler = {
      name: 'recorder',
      eventTypes: ['crm.item.made'],
      priority: 0,
      handle: async () => {},
    };
    const { reads, ingest, runtime } = await setup(t, handler);
    await sleep(3 * 10 * POLL_MS);
    const from = reads.count;
    for (let i = 0; i < 30; i++) await ingest.publish('acme', [publishInput({ type: 'crm.other.made' })]);
    await sleep(3 * 10 * POLL_MS); // three full checks
    assert.equal(reads.count, from, 'the line read traffic the bus had shown it');
    const [status] = await runtime.status('acme');
    assert.equal(status?.lag, 0, 'the checkpoint did not move past the unmatched traffic');
  });

  it('reads on a full check across a position the bus never showed', async (t) => {
    const handled: string[] = [];
    const handler: HubHandler = {
      name: 'recorder',
      eventTypes: ['crm.item.made'],
      priority: 0,
      handle: async (event) => void handled.push(event.id),
    };
    const { storage, reads, ingest } = await setup(t, handler);
    await ingest.publish('acme', [publishInput({ type: 'crm.other.made' })]);
    await sleep(2 * 10 * POLL_MS);
    const from = reads.count;
    // Stored without a bus message, as when Redis drops one: only the store knows it is there.
    const [lost] = await storage.store.append([pendingEvent({ type: 'crm.item.made' })]);
    assert.equal(lost?.status, 'ACCEPTED');
    await until(() => handled.length === 1, 'the event the bus never showed');
    assert.ok(reads.count > from);
  });

  it('does not read for publishes still on their way to the bus at a poll', async (t) => {
    const handler: HubHandler = {
      name: 'recorder',
      eventTypes: ['crm.item.made'],
      priority: 0,
      handle: async () => {},
    };
    // Each bus message comes 60 % of a poll after its event is stored: every poll sees one on its way.
    const { reads, ingest } = await setup(t, handler, 0.6 * POLL_MS);
    await sleep(3 * 10 * POLL_MS);
    const from = { ...reads };
    for (const deadline = Date.now() + 40 * POLL_MS; Date.now() < deadline; await sleep(POLL_MS / 4)) {
      void ingest.publish('acme', [publishInput({ type: 'crm.other.made' })]);
    }
    assertReadOnlyOnFullChecks(reads, from);
  });
});
