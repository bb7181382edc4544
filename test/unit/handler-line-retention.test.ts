// A handler line whose checkpoint is older than the archive (its events moved to cold) goes on from
// the oldest event still served instead of failing on every pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { createHandlerRuntime } from '../../src/handlers/handler-runtime.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { pendingEvent } from '../support/fixtures.ts';

const log = createLogger('silent');

describe('a handler line behind the archive', () => {
  it('skips the events that left the archive and handles every one still served, once', async (t) => {
    const { close, ...storage } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
    const appended = await storage.store.append(
      [1, 2, 3, 4].map((n) => pendingEvent({ type: 'crm.item.made', payload: { n } })),
    );
    const events = appended.map((outcome) => (outcome as { event: { id: string; position: number } }).event);
    await storage.store.deleteRange('acme', {
      upTo: events[1]!.position,
      receivedBefore: new Date(Date.now() + 60_000),
    });
    const handled: string[] = [];
    const handler: HubHandler = {
      name: 'recorder',
      eventTypes: ['crm.item.made'],
      priority: 0,
      handle: async (event) => void handled.push(event.id),
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
      pollMs: 10,
      log,
    });
    t.after(async () => {
      await runtime.close();
      await bus.close();
      await close();
    });
    await runtime.start();
    const deadline = Date.now() + 5000;
    while (handled.length < 2 && Date.now() < deadline) await sleep(10);
    await sleep(50);
    assert.deepEqual(handled, [events[2]!.id, events[3]!.id]);
    assert.equal((await storage.handlerStore.line('recorder', 'acme'))?.position, events[3]!.position);
  });
});
