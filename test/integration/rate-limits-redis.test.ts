// A hung Redis must not stall publishes: the limiter gives up after its timeout and lets them
// through. The Redis is this file's own, so freezing it disturbs no other test.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRedisRateLimitStore } from '../../src/limits/redis-rate-limit-store.ts';
import { createLogger } from '../../src/logger.ts';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { ownRedis } from '../support/own-redis.ts';

it('publishes within the limiter timeout while its Redis is frozen, and limits again once it thaws', async (t) => {
  const redis = await ownRedis(t);
  const rateLimits = await createRedisRateLimitStore({ url: redis.url, log: createLogger('silent') });
  t.after(() => rateLimits.close());
  const hub = await startTestHub({ HUB_RATE_LIMIT: '2' }, { rateLimits });
  t.after(() => hub.stop());
  const publish = async () => errorCodes(await gql(hub.url, PUBLISH, { input: publishInput() }, TEST_KEYS.acme));

  assert.deepEqual(await publish(), []);
  assert.deepEqual(await publish(), []);
  assert.deepEqual(await publish(), ['RATE_LIMITED']);

  redis.freeze(true);
  t.after(() => redis.freeze(false));
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    assert.deepEqual(await publish(), [], 'stored without a limit');
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 1000, `a frozen Redis costs the limiter's timeout, not more (${tookMs} ms)`);
  }

  redis.freeze(false);
  for (let i = 0; ; i++) {
    assert.ok(i < 100, 'limited again within 5 s of Redis answering');
    if ((await publish()).includes('RATE_LIMITED')) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
