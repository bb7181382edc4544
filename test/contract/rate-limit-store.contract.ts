// The RateLimitStore contract: the guarantees of src/limits/rate-limit-store.ts, run on every adapter.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimitStore, RateTake } from '../../src/limits/rate-limit-store.ts';

/** A fresh store (buckets no other test uses); cleanup registered on `t`. */
export type MakeRateLimitStore = (t: TestContext) => Promise<RateLimitStore>;

const refusedIn = (take: RateTake): number => {
  assert.equal(take.taken, false, 'refused');
  const { retryAfterMs } = take as Extract<RateTake, { taken: false }>;
  assert.ok(
    Number.isInteger(retryAfterMs) && retryAfterMs >= 1 && retryAfterMs <= 1000,
    `retryAfterMs ${retryAfterMs} is within the window`,
  );
  return retryAfterMs;
};

export function runRateLimitStoreContract(name: string, make: MakeRateLimitStore): void {
  describe(`RateLimitStore contract on ${name}`, () => {
    it('takes points while they fit in the window, then refuses with the time until it ends', async (t) => {
      const store = await make(t);
      assert.deepEqual(await store.take('tenant:a', 5, 3), { taken: true });
      assert.deepEqual(await store.take('tenant:a', 5, 2), { taken: true });
      refusedIn(await store.take('tenant:a', 5, 1));
    });

    it('takes nothing for a refused take, so what is left still serves smaller ones', async (t) => {
      const store = await make(t);
      assert.deepEqual(await store.take('tenant:a', 5, 3), { taken: true });
      refusedIn(await store.take('tenant:a', 5, 3));
      assert.deepEqual(await store.take('tenant:a', 5, 2), { taken: true });
      refusedIn(await store.take('tenant:a', 5, 1));
    });

    it('refuses more points than the limit even in a fresh window, and still takes nothing', async (t) => {
      const store = await make(t);
      refusedIn(await store.take('tenant:a', 5, 6));
      assert.deepEqual(await store.take('tenant:a', 5, 5), { taken: true });
    });

    it('keeps buckets apart', async (t) => {
      const store = await make(t);
      assert.deepEqual(await store.take('tenant:a', 2, 2), { taken: true });
      refusedIn(await store.take('tenant:a', 2, 1));
      assert.deepEqual(await store.take('tenant:b', 2, 2), { taken: true });
      assert.deepEqual(await store.take('key:a:0123456789abcdef', 2, 2), { taken: true });
    });

    it('has the whole limit back once retryAfterMs has passed', async (t) => {
      const store = await make(t);
      assert.deepEqual(await store.take('tenant:a', 4, 4), { taken: true });
      const retryAfterMs = refusedIn(await store.take('tenant:a', 4, 1));
      await sleep(retryAfterMs + 10);
      assert.deepEqual(await store.take('tenant:a', 4, 4), { taken: true });
    });
  });
}
