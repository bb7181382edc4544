// The memory store's processing trail stays bounded: past the cap per tenant the oldest events' outcomes go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HandlerOutcome } from '../../src/handlers/handler-store.ts';
import { createMemoryHandlerStore } from '../../src/handlers/memory-handler-store.ts';

const outcome = (tenantId: string, eventId: string, handler = 'h'): HandlerOutcome => ({
  tenantId,
  eventId,
  handler,
  status: 'HANDLED',
  attempts: 1,
  firstAttemptAt: new Date(0),
  lastAttemptAt: new Date(0),
  durationMs: 1,
  followUps: [],
});

describe('the memory processing trail', () => {
  it('drops the oldest events’ outcomes past the cap per tenant, and leaves other tenants’ alone', async () => {
    const store = createMemoryHandlerStore({ maxOutcomesPerTenant: 4 });
    await store.recordOutcome(outcome('globex', 'g-0'));
    for (let i = 0; i < 3; i++) {
      await store.recordOutcome(outcome('acme', `e-${i}`, 'a'));
      await store.recordOutcome(outcome('acme', `e-${i}`, 'b'));
    }
    const kept = await store.outcomes('acme', ['e-0', 'e-1', 'e-2']);
    assert.deepEqual(kept.map((o) => `${o.eventId}/${o.handler}`).sort(), ['e-1/a', 'e-1/b', 'e-2/a', 'e-2/b']);
    assert.equal((await store.outcomes('globex', ['g-0'])).length, 1);
  });

  it('keeps the cap when an event’s outcome is rewritten, without dropping it', async () => {
    const store = createMemoryHandlerStore({ maxOutcomesPerTenant: 2 });
    await store.recordOutcome(outcome('acme', 'e-0'));
    await store.recordOutcome(outcome('acme', 'e-1'));
    for (let attempt = 2; attempt <= 5; attempt++)
      await store.recordOutcome({ ...outcome('acme', 'e-1'), attempts: attempt });
    assert.deepEqual(
      (await store.outcomes('acme', ['e-0', 'e-1'])).map((o) => [o.eventId, o.attempts]),
      [
        ['e-0', 1],
        ['e-1', 5],
      ],
    );
  });
});
