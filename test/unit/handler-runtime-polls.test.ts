// What the handler runtime's polls ask of the store: a line with nothing new stays asleep, so an idle
// hub does not read the archive on every full check (on FerretDB each such read is a scan).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import type { DeadLetter } from '../../src/handlers/handler-store.ts';
import { createHandlerRuntime } from '../../src/handlers/handler-runtime.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { pendingEvent } from '../support/fixtures.ts';

const log = createLogger('silent');
const POLL_MS = 10; // a full check every 10th poll: every 100 ms

/** A runtime on memory adapters whose store counts the line reads (`readRange`). */
async function setup(t: TestContext, handler: HubHandler) {
  const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
  const reads = { count: 0 };
  const readRange = storage.store.readRange.bind(storage.store);
  storage.store.readRange = (...args) => {
    reads.count++;
    return readRange(...args);
  };
  const bus = createInProcessEventBus();
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
    await bus.close();
    await close();
  });
  await runtime.start();
  return { storage, runtime, reads };
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
    const { storage, runtime, reads } = await setup(t, handler);
    const [first] = await storage.store.append([pendingEvent({ type: 'crm.item.made', payload: { fail: true } })]);
    assert.equal(first?.status, 'ACCEPTED');
    // Two attempts, then a dead letter; the line moves past it and goes to sleep.
    let letters: DeadLetter[] = [];
    await until(() => letters.length === 1, 'the dead letter', async () => {
      letters = (await storage.handlerStore.deadLetters('acme', { filter: compileFilter(null), first: 10 })).deadLetters;
    });
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
});
