import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { createRedisRateLimitStore } from '../../src/limits/redis-rate-limit-store.ts';
import { createLogger } from '../../src/logger.ts';
import { ownRedis } from '../support/own-redis.ts';
import { testRedis } from '../support/servers.ts';
import { runRateLimitStoreContract } from './rate-limit-store.contract.ts';

const redis = await testRedis({ after });
const log = createLogger('silent');
let made = 0;

const open = async (t: TestContext, url: string, keyPrefix: string, timeoutMs?: number) => {
  const store = await createRedisRateLimitStore({ url, keyPrefix, log, ...(timeoutMs !== undefined && { timeoutMs }) });
  t.after(() => store.close());
  return store;
};

runRateLimitStoreContract('Redis (the test run’s server unless REDIS_URL says otherwise)', (t) =>
  open(t, redis.url, `${redis.keyPrefix}rate:${made++}`),
);

describe('RateLimitStore on Redis', () => {
  it('shares one budget between the stores of two processes, and keeps no key of a bucket past its window', async (t) => {
    const keyPrefix = `${redis.keyPrefix}rate:shared`;
    const [one, two] = await Promise.all([open(t, redis.url, keyPrefix), open(t, redis.url, keyPrefix)]);
    assert.deepEqual(await one.take('tenant:acme', 3, 2), { taken: true });
    assert.equal((await two.take('tenant:acme', 3, 2)).taken, false, 'the second process sees what the first took');
    assert.deepEqual(await two.take('tenant:acme', 3, 1), { taken: true });
    assert.equal((await one.take('tenant:acme', 3, 1)).taken, false);
    const ttl = await redis.redis.pttl(`${keyPrefix}:tenant:acme`);
    assert.ok(ttl > 0 && ttl <= 1000, `the bucket's key expires with its window (pttl ${ttl})`);
  });

  it('rejects at once while its Redis is down and within the timeout while it is frozen, then works again', async (t) => {
    const own = await ownRedis(t);
    const store = await open(t, own.url, 'rate', 150);
    assert.deepEqual(await store.take('tenant:acme', 5, 1), { taken: true });

    own.freeze(true);
    let started = Date.now();
    await assert.rejects(store.take('tenant:acme', 5, 1));
    const frozenMs = Date.now() - started;
    own.freeze(false);
    assert.ok(frozenMs < 1000, `a silent Redis costs about the timeout, not more (${frozenMs} ms)`);

    await own.crash();
    started = Date.now();
    await assert.rejects(store.take('tenant:acme', 5, 1));
    assert.ok(Date.now() - started < 500, 'a Redis that is gone is not waited for');

    await own.restart();
    await waitFor(async () => (await store.take('tenant:acme', 5, 1).catch(() => null))?.taken === true);
  });

  it('starts without a reachable Redis and limits once it answers', async (t) => {
    const own = await ownRedis(t);
    await own.crash();
    const store = await open(t, own.url, 'rate');
    await assert.rejects(store.take('tenant:acme', 1, 1));
    await own.restart();
    await waitFor(async () => (await store.take('tenant:acme', 1, 1).catch(() => null))?.taken === true);
    assert.equal((await store.take('tenant:acme', 1, 1)).taken, false);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
