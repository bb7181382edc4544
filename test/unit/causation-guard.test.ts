import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHubError } from '../../src/errors.ts';
import { createCausationGuard } from '../../src/ingest/causation-guard.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { pendingEvent } from '../support/fixtures.ts';

/** A guard on a real memory store whose reads by id are counted. */
function guardCountingReads(maxDepth = 3) {
  const store = createMemoryEventStore({ idempotencyWindowMs: 86_400_000 });
  const reads: string[] = [];
  const get = store.get.bind(store);
  store.get = (tenantId, id) => {
    reads.push(`${tenantId}/${id}`);
    return get(tenantId, id);
  };
  return { guard: createCausationGuard({ store, maxDepth }), store, reads };
}

const followUp = (causationId: string, tenantId = 'acme') => pendingEvent({ tenantId, metadata: { causationId } });

describe('causation guard', () => {
  it('answers the depth of a remembered cause without reading the store, and refuses a chain past the limit', async () => {
    const { guard, reads } = guardCountingReads(2);
    const root = pendingEvent();
    guard.remember('acme', root.id, 0);
    const first = followUp(root.id);
    assert.equal(await guard.check(first), 1);
    guard.remember('acme', first.id, 1);
    const second = followUp(first.id);
    assert.equal(await guard.check(second), 2);
    guard.remember('acme', second.id, 2);
    await assert.rejects(
      guard.check(followUp(second.id)),
      (error) => isHubError(error) && error.code === 'BAD_USER_INPUT',
    );
    assert.deepEqual(reads, []);
  });

  it("reads a cause it does not remember, and never takes another tenant's depth", async () => {
    const { guard, store, reads } = guardCountingReads();
    const [stored] = await store.append([pendingEvent({ metadata: { causationId: 'outside-system-id' } })]);
    assert.equal(stored?.status, 'ACCEPTED');
    const cause = stored.status === 'ACCEPTED' ? stored.event : assert.fail();
    // stored, depth 1 (its cause is no event of the tenant); a follow-up is depth 2
    assert.equal(await guard.check(followUp(cause.id)), 2);
    assert.deepEqual(reads, [`acme/${cause.id}`, 'acme/outside-system-id']);
    // remembered now, for acme only
    reads.length = 0;
    assert.equal(await guard.check(followUp(cause.id)), 2);
    assert.deepEqual(reads, []);
    assert.equal(await guard.check(followUp(cause.id, 'globex')), 1);
    assert.deepEqual(reads, [`globex/${cause.id}`]);
  });

  it('remembers at least the newest 25,000 depths however many it has seen, and forgets older ones', async () => {
    const { guard, reads } = guardCountingReads(100);
    const ids = Array.from({ length: 120_000 }, (_, i) => `event-${i}`);
    for (const [i, id] of ids.entries()) guard.remember('acme', id, i % 50);
    for (const i of [ids.length - 1, ids.length - 12_345, ids.length - 25_000]) {
      assert.equal(await guard.check(followUp(ids[i]!)), 1 + (i % 50), `event ${i}`);
    }
    assert.deepEqual(reads, [], 'the newest 25,000 are answered from memory');
    await guard.check(followUp(ids[0]!));
    assert.deepEqual(reads, ['acme/event-0'], 'the oldest is read again');
  });
});
