// A line starts an event only while its lease surely lasts: when the renewals fall behind (a busy
// process, a slow store), a lease that ran out may already belong to another process, and both would
// handle the same events.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import type { LeaseStore } from '../../src/coordination/lease-store.ts';
import { createMemoryLeaseStore } from '../../src/coordination/memory-lease-store.ts';
import { createHandlerRuntime } from '../../src/handlers/handler-runtime.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { pendingEvent } from '../support/fixtures.ts';

const log = createLogger('silent');
const LEASE_MS = 300;

/** Memory leases whose renewals can be held up, as a store too busy to answer would. */
function stallableLeases() {
  const inner = createMemoryLeaseStore();
  let stall: Promise<void> | null = null;
  let unstall = () => {};
  const store: LeaseStore = {
    ...inner,
    async renew(lease, ttlMs) {
      await stall;
      return inner.renew(lease, ttlMs);
    },
  };
  return {
    inner,
    store,
    stall() {
      stall = new Promise((resolve) => (unstall = resolve));
    },
    resume() {
      stall = null;
      unstall();
    },
  };
}

async function setup(t: TestContext) {
  const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
  const leases = stallableLeases();
  const handled: number[] = [];
  const bus = createInProcessEventBus();
  const ingest = createIngest({ store: storage.store, bus, log, maxEventBytes: 1_048_576, maxBatch: 1000 });
  const runtime = createHandlerRuntime({
    handlers: [
      {
        name: 'recorder',
        eventTypes: ['crm.>'],
        priority: 0,
        handle: async (event) => void handled.push(event.position),
      },
    ],
    ...storage,
    leases: leases.store,
    bus,
    ingest,
    policy: { backoffMs: [10], maxAttempts: 2, timeoutMs: 1000 },
    leaseMs: LEASE_MS,
    pollMs: 10,
    log,
  });
  t.after(async () => {
    leases.resume();
    await runtime.close();
    await bus.close();
    await close();
  });
  await runtime.start();
  const append = async () => assert.equal((await storage.store.append([pendingEvent()]))[0]?.status, 'ACCEPTED');
  const until = async (condition: () => boolean, what: string) => {
    for (const deadline = Date.now() + 5000; !condition(); await sleep(10)) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    }
  };
  return { leases, handled, append, until };
}

describe('handler runtime leases', () => {
  it('starts no event on a lease that may have run out, and stops when another process took it', async (t) => {
    const { leases, handled, append, until } = await setup(t);
    await append();
    await until(() => handled.length === 1, 'the first event');

    leases.stall();
    await sleep(LEASE_MS + 50); // the lease has run out unrenewed
    assert.ok(
      await leases.inner.acquire('handler:recorder:acme', 'another process', 60_000),
      'the lease is free to take',
    );
    await append(); // the other process handles this one
    await sleep(200);
    assert.deepEqual(handled, [1], 'no event started while the renewal was pending');

    leases.resume(); // the renewal finds the lease taken: the line stops
    await sleep(200);
    await append();
    await sleep(200);
    assert.deepEqual(handled, [1]);
  });

  it('goes on once a late renewal finds the lease still its own', async (t) => {
    const { leases, handled, append, until } = await setup(t);
    await append();
    await until(() => handled.length === 1, 'the first event');

    leases.stall();
    await sleep(LEASE_MS + 50);
    await append();
    await sleep(150);
    assert.deepEqual(handled, [1], 'waits for the renewal');

    leases.resume();
    await until(() => handled.length === 2, 'the second event after the renewal');
    assert.deepEqual(handled, [1, 2]);
  });
});
