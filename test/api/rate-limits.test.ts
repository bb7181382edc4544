import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH, type GraphQLResponse } from '../support/graphql-client.ts';
import { createMemoryRateLimitStore } from '../../src/limits/memory-rate-limit-store.ts';
import { startTestHub } from '../support/hub.ts';

const KEYS = {
  acme: 'acme-rate-test-key-shared-001',
  acmeOther: 'acme-rate-test-key-shared-002',
  acmeFast: 'acme-rate-test-key-own-limit-1',
  acmeFree: 'acme-rate-test-key-no-limit-01',
  globex: 'globex-rate-test-key-shared-01',
} as const;
const scopes = ['publish', 'query'];
const API_KEYS = JSON.stringify([
  { key: KEYS.acme, tenant: 'acme', scopes },
  { key: KEYS.acmeOther, tenant: 'acme', scopes },
  { key: KEYS.acmeFast, tenant: 'acme', scopes, rateLimit: 6 },
  { key: KEYS.acmeFree, tenant: 'acme', scopes, rateLimit: 0 },
  { key: KEYS.globex, tenant: 'globex', scopes },
]);

/** /metrics is read the way Prometheus is set up against a hub with API keys. */
const METRICS_TOKEN = 'metrics-test-token-0001';

const PUBLISH_MANY = `mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }`;
const COUNT = `query($types: [String!]) { events(filter: { types: $types }, first: 100) { edges { node { id } } } }`;

/**
 * A hub allowing 3 events per second per tenant. Its windows last a minute unless `window: 'second'`,
 * so that a slow machine cannot end one between two steps of a test.
 */
async function limitedHub(
  t: TestContext,
  env: Record<string, string> = {},
  { window = 'minute' }: { window?: 'minute' | 'second' } = {},
) {
  const rateLimits = createMemoryRateLimitStore({ windowSeconds: window === 'minute' ? 60 : 1 });
  const hub = await startTestHub(
    { HUB_API_KEYS: API_KEYS, HUB_RATE_LIMIT: '3', HUB_METRICS_TOKEN: METRICS_TOKEN, ...env },
    { rateLimits },
  );
  t.after(() => hub.stop());
  const publish = (key: string, type = 'rate.test.made') =>
    gql(hub.url, PUBLISH, { input: publishInput({ type }) }, key);
  const publishMany = (key: string, count: number, type = 'rate.test.made') =>
    gql(hub.url, PUBLISH_MANY, { input: Array.from({ length: count }, () => publishInput({ type })) }, key);
  const stored = async (key: string, type: string) =>
    (await gql(hub.url, COUNT, { types: [type] }, key)).data?.['events'].edges.length as number;
  return { hub, publish, publishMany, stored };
}

const accepted = (response: GraphQLResponse): void => {
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
};

/** The response is one RATE_LIMITED error; answers its retryAfterMs. */
function rateLimited(response: GraphQLResponse, limit: number): number {
  assert.deepEqual(errorCodes(response), ['RATE_LIMITED'], JSON.stringify(response.errors));
  const { retryAfterMs, limit: actual } = response.errors![0]!.extensions!;
  assert.ok(
    typeof retryAfterMs === 'number' && Number.isInteger(retryAfterMs) && retryAfterMs > 0,
    `retryAfterMs ${retryAfterMs}`,
  );
  assert.equal(actual, limit);
  return retryAfterMs;
}

describe('publish rate limits', () => {
  it('refuses a publish over the tenant limit with RATE_LIMITED and retryAfterMs, and stores nothing of it', async (t) => {
    const { hub, publish, stored } = await limitedHub(t);
    for (let i = 0; i < 3; i++) accepted(await publish(KEYS.acme));
    const refused = await publish(KEYS.acme, 'rate.test.refused');
    rateLimited(refused, 3);
    assert.equal(refused.data, null);
    assert.match(refused.errors![0]!.message, /rate limit of 3 events per second reached; retry in \d+ ms/);
    assert.equal(await stored(KEYS.acme, 'rate.test.refused'), 0);
    assert.equal(await stored(KEYS.acme, 'rate.test.made'), 3);
    const metrics = await (
      await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    assert.match(metrics, /^rate_limited_total\{tenant="acme"\} 1$/m);
  });

  it('shares the budget among the keys of a tenant and leaves other tenants untouched', async (t) => {
    const { publish, publishMany, stored } = await limitedHub(t);
    accepted(await publishMany(KEYS.acme, 3));
    rateLimited(await publish(KEYS.acmeOther), 3);
    accepted(await publishMany(KEYS.globex, 3, 'rate.test.globex'));
    assert.equal(await stored(KEYS.globex, 'rate.test.globex'), 3);
  });

  it('counts publishEvents per event: a batch that does not fit is refused whole, and what is left still serves', async (t) => {
    const { publish, publishMany, stored } = await limitedHub(t, { HUB_RATE_LIMIT: '5' });
    accepted(await publishMany(KEYS.acme, 3));
    rateLimited(await publishMany(KEYS.acme, 3, 'rate.test.refused'), 5);
    assert.equal(await stored(KEYS.acme, 'rate.test.refused'), 0, 'nothing of the refused batch is stored');
    accepted(await publishMany(KEYS.acme, 2));
    rateLimited(await publish(KEYS.acme), 5);
    assert.equal(await stored(KEYS.acme, 'rate.test.made'), 5);
  });

  it('refuses a batch larger than the whole limit, saying to split it', async (t) => {
    const { publishMany, stored } = await limitedHub(t);
    const refused = await publishMany(KEYS.acme, 4, 'rate.test.refused');
    rateLimited(refused, 3);
    assert.match(refused.errors![0]!.message, /send at most 3 at a time/);
    assert.equal(await stored(KEYS.acme, 'rate.test.refused'), 0);
  });

  it('limits a key with its own rateLimit by that alone, as a budget of its own; rateLimit 0 is no limit', async (t) => {
    const { publish, publishMany, stored } = await limitedHub(t);
    accepted(await publishMany(KEYS.acmeFast, 6));
    rateLimited(await publish(KEYS.acmeFast), 6);
    accepted(await publishMany(KEYS.acme, 3, 'rate.test.shared'));
    accepted(await publishMany(KEYS.acmeFree, 20, 'rate.test.free'));
    assert.equal(await stored(KEYS.acme, 'rate.test.made'), 6);
    assert.equal(await stored(KEYS.acme, 'rate.test.free'), 20);
  });

  it('has the budget back once retryAfterMs has passed', async (t) => {
    const { publish, publishMany } = await limitedHub(t, {}, { window: 'second' });
    accepted(await publishMany(KEYS.acme, 3));
    const retryAfterMs = rateLimited(await publish(KEYS.acme), 3);
    assert.ok(retryAfterMs <= 1000, 'within the one-second window');
    await sleep(retryAfterMs + 20);
    accepted(await publishMany(KEYS.acme, 3));
  });

  it("does not limit the hub's own publishes: a handler's follow-up is stored with the tenant's budget spent", async (t) => {
    const { hub, stored } = await limitedHub(t, { HUB_RATE_LIMIT: '1', HUB_HANDLER_POLL_MS: '50' });
    const order = {
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      lines: [{ sku: 'A', quantity: 1, unitPrice: 2 }],
    };
    accepted(
      await gql(hub.url, PUBLISH, { input: publishInput({ type: 'sales.order.placed', payload: order }) }, KEYS.acme),
    );
    for (let i = 0; (await stored(KEYS.acme, 'fulfilment.shipment.requested')) === 0; i++) {
      assert.ok(i < 200, 'the follow-up event arrives');
      await sleep(25);
    }
  });

  it('limits nothing without HUB_RATE_LIMIT', async (t) => {
    const { publishMany } = await limitedHub(t, { HUB_RATE_LIMIT: '0' });
    for (let i = 0; i < 3; i++) accepted(await publishMany(KEYS.acme, 10));
  });
});
