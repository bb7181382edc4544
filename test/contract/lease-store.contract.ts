// The LeaseStore contract: the guarantees of src/coordination/lease-store.ts, run on every adapter.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { LeaseStore } from '../../src/coordination/lease-store.ts';

/** A fresh store (an empty namespace) on a clock the test moves; cleanup registered on `t`. */
export type MakeLeaseStore = (t: TestContext, now: () => number) => Promise<LeaseStore>;

export function runLeaseStoreContract(name: string, make: MakeLeaseStore): void {
  describe(`LeaseStore contract on ${name}`, () => {
    const setup = async (t: TestContext) => {
      const clock = { ms: 1_700_000_000_000 };
      const store = await make(t, () => clock.ms);
      return { store, clock };
    };

    it('gives a free lease to the first owner, refuses others and renews for the holder', async (t) => {
      const { store, clock } = await setup(t);
      const lease = await store.acquire('line:a', 'p1', 1000);
      assert.deepEqual(lease, { name: 'line:a', owner: 'p1', epoch: 1, expiresAt: clock.ms + 1000 });
      assert.equal(await store.acquire('line:a', 'p2', 1000), null);
      clock.ms += 400;
      assert.deepEqual(await store.acquire('line:a', 'p1', 1000), { ...lease, expiresAt: clock.ms + 1000 });
      assert.deepEqual(await store.renew(lease!, 2000), { ...lease, expiresAt: clock.ms + 2000 });
      assert.equal((await store.acquire('line:b', 'p2', 1000))?.epoch, 1, 'names are independent');
    });

    it('lets another owner take an expired lease with the next epoch; the old holder can no longer renew or release it', async (t) => {
      const { store, clock } = await setup(t);
      const old = (await store.acquire('job:1', 'p1', 1000))!;
      clock.ms += 1000;
      const taken = await store.acquire('job:1', 'p2', 1000);
      assert.equal(taken?.epoch, 2);
      assert.equal(taken?.owner, 'p2');
      assert.equal(await store.renew(old, 1000), null);
      await store.release(old);
      assert.equal(await store.acquire('job:1', 'p3', 1000), null, 'the stale holder released nothing');
      assert.ok(await store.renew(taken!, 1000));
    });

    it('frees a released lease at once, and its holder cannot renew it', async (t) => {
      const { store } = await setup(t);
      const lease = (await store.acquire('line:r', 'p1', 60_000))!;
      await store.release(lease);
      assert.equal(await store.renew(lease, 1000), null);
      assert.equal((await store.acquire('line:r', 'p2', 1000))?.epoch, 2);
    });

    it('gives a free lease to exactly one of many owners trying at once', async (t) => {
      const { store } = await setup(t);
      const tries = await Promise.all(Array.from({ length: 12 }, (_, i) => store.acquire('contended', `p${i}`, 5000)));
      const winners = tries.filter((lease) => lease !== null);
      assert.equal(winners.length, 1, JSON.stringify(tries));
      assert.equal(winners[0]!.epoch, 1);
    });
  });
}
