// Webhook delivery black-box: hub processes on the MongoDB-wire server and a Redis of this file's
// own, a real receiver on loopback. Ordered delivery once across three processes, a kill -9 of the
// delivering process, and the SSRF guard at delivery time (a hub without HUB_WEBHOOK_ALLOW_PRIVATE
// serving an endpoint saved by one with it).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gql } from '../support/graphql-client.ts';
import { spawnHub, type HubProcess } from '../support/hub.ts';
import { killHard, mongoHubs } from '../support/mongo-hubs.ts';
import { ownRedis } from '../support/own-redis.ts';
import { testMongo } from '../support/servers.ts';
import { webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const KEY = 'acme-webhook-e2e-admin-key-01';
const API_KEYS = JSON.stringify([{ key: KEY, tenant: 'acme', scopes: ['admin'] }]);
const ENV = {
  HUB_API_KEYS: API_KEYS,
  HUB_WEBHOOK_POLL_MS: '200',
  HUB_LEASE_MS: '1500',
  HUB_WEBHOOK_BACKOFF_MS: '100,200',
};

async function until<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function createEndpoint(hub: HubProcess, url: string): Promise<string> {
  const response = await gql(
    hub.url,
    'mutation C($url: String!) { createWebhookEndpoint(input: { url: $url, filter: { types: ["order.>"] } }) { endpoint { id } } }',
    { url },
    KEY,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!['createWebhookEndpoint'].endpoint.id as string;
}

/** Publishes `count` order events through `hub`, in one batch; returns them in position order. */
async function publishOrders(
  hub: HubProcess,
  from: number,
  count: number,
): Promise<{ id: string; position: number }[]> {
  const input = Array.from({ length: count }, (_, i) => ({
    type: 'order.placed',
    source: { type: 'INTEGRATION', id: 'shop' },
    payload: { n: from + i },
  }));
  const response = await gql(
    hub.url,
    'mutation P($input: [PublishEventInput!]!) { publishEvents(input: $input) { event { id position } } }',
    { input },
    KEY,
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return (response.data!['publishEvents'] as { event: { id: string; position: string } }[]).map(({ event }) => ({
    id: event.id,
    position: Number(event.position),
  }));
}

const receivedIds = (receiver: WebhookReceiver) => receiver.requests.map((r) => String(r.headers['webhook-id']));

/**
 * Hubs on one database and one Redis. `leaseMs` is long enough that a loaded test machine renews in
 * time: a lease that runs out is the abnormal case, where a second process may send what the first
 * has in flight.
 */
async function cluster(t: TestContext, leaseMs: number) {
  const redis = await ownRedis(t);
  return mongoHubs(t, {
    ...ENV,
    REDIS_URL: redis.url,
    HUB_WEBHOOK_ALLOW_PRIVATE: 'true',
    HUB_LEASE_MS: String(leaseMs),
  });
}

describe('webhook delivery across hub processes', () => {
  it('delivers an ordered endpoint in position order, each event once, with three processes', async (t) => {
    const receiver = await webhookReceiver(t);
    const hubs = await cluster(t, 6000);
    const started = await Promise.all([hubs.start(), hubs.start(), hubs.start()]);
    await createEndpoint(started[0]!, receiver.url);
    const events: { id: string; position: number }[] = [];
    for (let round = 0; round < 6; round++) events.push(...(await publishOrders(started[round % 3]!, round * 5, 5)));
    events.sort((a, b) => a.position - b.position);
    await until(
      () => receiver.requests.length,
      (n) => n >= events.length,
      'every event',
    );
    await sleep(1000); // a second delivery, if some process sent one, would come now
    const ids = receivedIds(receiver);
    assert.deepEqual(
      ids,
      events.map((e) => e.id),
      `${ids.length} requests for ${new Set(ids).size} of ${events.length} events`,
    );
  });

  it('loses nothing when the delivering process is killed, and repeats at most the delivery in flight', async (t) => {
    const receiver = await webhookReceiver(t);
    receiver.respond = async () => {
      await sleep(50);
      return 200;
    };
    const hubs = await cluster(t, 3000);
    const first = await hubs.start();
    await createEndpoint(first, receiver.url);
    const events = await publishOrders(first, 0, 30);
    await until(
      () => receiver.requests.length,
      (n) => n >= 5,
      'the first deliveries',
    );
    const second = await hubs.start();
    await killHard(first);
    const seenAtKill = receiver.requests.length;
    await until(
      () => new Set(receivedIds(receiver)).size,
      (n) => n === events.length,
      'every event after the takeover',
    );
    void second;
    const ids = receivedIds(receiver);
    const positions = ids.map((id) => events.find((e) => e.id === id)!.position);
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      `still in position order across the takeover (killed after ${seenAtKill})`,
    );
    assert.ok(
      ids.length - events.length <= 1,
      `at most the one delivery in flight repeated; got ${ids.length - events.length} repeats`,
    );
  });

  it('refuses at delivery a hostname that resolves to loopback once private addresses are no longer allowed', async (t) => {
    const receiver = await webhookReceiver(t);
    const mongo = await testMongo(t);
    const store = { MONGODB_URL: mongo.url, MONGODB_DB: mongo.dbName, ...ENV };
    const permissive = await spawnHub({ ...store, HUB_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const port = new URL(receiver.url).port;
    const endpointId = await createEndpoint(permissive, `http://localhost:${port}/hook`);
    await permissive.stop();
    const strict = await spawnHub(store);
    t.after(() => strict.stop());
    const refused = await gql(
      strict.url,
      'mutation C($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret } }',
      { url: `http://localhost:${port}/x` },
      KEY,
    );
    assert.equal(refused.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', 'refused at create');
    await publishOrders(strict, 0, 1);
    const query =
      'query D($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { status attempts lastStatusCode lastResponse } } } }';
    const [dead] = await until(
      async () =>
        (
          (await gql(strict.url, query, { id: endpointId }, KEY)).data!['webhookDeliveries'].edges as {
            node: Record<string, unknown>;
          }[]
        ).map((e) => e.node),
      (nodes) => nodes[0]?.['status'] === 'DEAD',
      'the delivery to be given up on',
    );
    assert.equal(dead!['lastStatusCode'], null);
    assert.match(String(dead!['lastResponse']), /may not reach/);
    assert.equal(receiver.requests.length, 0, 'nothing reached the receiver');
  });
});
