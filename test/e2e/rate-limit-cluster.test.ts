// Publish rate limits across hub processes on one Redis: the processes take from one budget per
// tenant, and a Redis outage lets publishes through (fail-open) with one warning. Redis is this
// file's own, so stopping it disturbs no other test; each process keeps its events in memory.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { spawnHub, TEST_API_KEYS, TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { ownRedis, type OwnRedis } from '../support/own-redis.ts';

const PUBLISH_MANY = `mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }`;
const FAILED_OPEN = 'rate limit store failed; publishing without a limit';

async function startHub(t: TestContext, redis: OwnRedis, rateLimit: number): Promise<HubProcess> {
  const hub = await spawnHub({ REDIS_URL: redis.url, HUB_API_KEYS: TEST_API_KEYS, HUB_RATE_LIMIT: String(rateLimit) });
  t.after(() => hub.stop());
  return hub;
}

/** Publishes `count` events in one request; answers its error codes ([] when it went through). */
async function publish(hub: HubProcess, apiKey: string, count = 1): Promise<string[]> {
  const response =
    count === 1
      ? await gql(hub.url, PUBLISH, { input: publishInput() }, apiKey)
      : await gql(hub.url, PUBLISH_MANY, { input: Array.from({ length: count }, () => publishInput()) }, apiKey);
  return errorCodes(response);
}

const warnings = (hub: HubProcess): number =>
  hub
    .output()
    .split('\n')
    .filter((line) => line.includes(FAILED_OPEN)).length;

describe('publish rate limits across hub processes', () => {
  it('shares one budget per tenant between two processes on one Redis; another tenant goes through', {
    timeout: 60_000,
  }, async (t) => {
    const redis = await ownRedis(t);
    const [one, two] = await Promise.all([startHub(t, redis, 3), startHub(t, redis, 3)]);
    assert.match(one.output(), /publish rate limits shared through Redis/);

    assert.deepEqual(await publish(one, TEST_KEYS.acme, 3), []);
    assert.deepEqual(await publish(two, TEST_KEYS.acme), ['RATE_LIMITED'], 'the other process sees the spent budget');
    assert.deepEqual(await publish(one, TEST_KEYS.acme), ['RATE_LIMITED']);
    assert.deepEqual(await publish(two, TEST_KEYS.globex, 3), []);
  });

  it('lets publishes through while Redis is down, warning once, and limits again once it is back', {
    timeout: 60_000,
  }, async (t) => {
    const redis = await ownRedis(t);
    const hub = await startHub(t, redis, 2);
    assert.deepEqual(await publish(hub, TEST_KEYS.acme, 2), []);
    assert.deepEqual(await publish(hub, TEST_KEYS.acme), ['RATE_LIMITED']);

    await redis.crash();
    for (let i = 0; i < 5; i++) assert.deepEqual(await publish(hub, TEST_KEYS.acme, 2), [], 'stored without a limit');
    assert.equal(warnings(hub), 1, 'one warning for the outage, not one per publish');

    await redis.restart();
    for (let i = 0; ; i++) {
      assert.ok(i < 200, 'limited again within 10 s of Redis coming back');
      if ((await publish(hub, TEST_KEYS.acme)).includes('RATE_LIMITED')) break;
      await sleep(50);
    }
  });
});
