// What only the memory store has: a bounded window per tenant (the contract suite covers the rest).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ErrorCode, isHubError } from '../../src/errors.ts';
import { compileFilter } from '../../src/filter/index.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { pendingEvent } from '../support/fixtures.ts';

const ALL = compileFilter(null);
const expired = (message: RegExp) => (error: unknown) =>
  isHubError(error) && error.code === ErrorCode.CURSOR_EXPIRED && message.test(error.message);

it('keeps the newest events of each tenant, drops the oldest, and says which positions it can no longer serve', async () => {
  const store = createMemoryEventStore({ idempotencyWindowMs: 60_000, maxEventsPerTenant: 5 });
  const ids: string[] = [];
  for (let i = 0; i < 23; i++) {
    const [outcome] = await store.append([pendingEvent({ payload: { i } })]);
    assert.equal(outcome?.status, 'ACCEPTED');
    if (outcome?.status === 'ACCEPTED') ids.push(outcome.event.id);
  }
  await store.append([pendingEvent({ tenantId: 'globex' })]);

  assert.equal(await store.headPosition('acme'), 23);
  const page = await store.query('acme', { filter: ALL, first: 100, order: 'ASC' });
  assert.deepEqual(
    page.events.map((e) => e.position),
    [19, 20, 21, 22, 23],
  );
  assert.deepEqual(
    page.events.map((e) => e.id),
    ids.slice(18),
  );
  assert.equal(await store.get('acme', ids[17]!), null);
  assert.equal((await store.get('acme', ids[18]!))?.position, 19);

  assert.deepEqual(
    (await store.readAfter('acme', 18, ALL, 10)).map((e) => e.position),
    [19, 20, 21, 22, 23],
  );
  assert.deepEqual(
    (await store.readAfter('acme', 21, ALL, 1)).map((e) => e.position),
    [22],
  );
  assert.deepEqual(await store.readAfter('acme', 23, ALL, 10), []);
  await assert.rejects(store.readAfter('acme', 17, ALL, 10), expired(/older than the store can serve/));
  await assert.rejects(store.readAfter('acme', 24, ALL, 10), expired(/beyond the newest stored event/));
  // The other tenant keeps its own window.
  assert.deepEqual(
    (await store.readAfter('globex', 0, ALL, 10)).map((e) => e.position),
    [1],
  );
});

it('forgets each idempotency key once its window has passed, in the order the keys were claimed', async () => {
  let clock = 0;
  const store = createMemoryEventStore({ idempotencyWindowMs: 500, now: () => clock });
  const publish = async (key: string) =>
    (await store.append([pendingEvent({ metadata: { idempotencyKey: key } })]))[0]?.status;
  for (let i = 0; i < 1_000; i++, clock++) assert.equal(await publish(`k${i}`), 'ACCEPTED');
  // clock 1,000: k0…k500 were claimed 500 ms ago or more, k501…k999 less
  for (let i = 0; i < 1_000; i++) assert.equal(await publish(`k${i}`), i <= 500 ? 'ACCEPTED' : 'DUPLICATE', `k${i}`);
  // a key claimed again is remembered from its new claim, not forgotten with the old one
  clock = 1_499;
  assert.equal(await publish('k0'), 'DUPLICATE');
  assert.equal(await publish('k501'), 'ACCEPTED');
  clock = 1_500;
  assert.equal(await publish('k0'), 'ACCEPTED');
});
