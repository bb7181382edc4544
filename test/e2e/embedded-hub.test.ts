import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Edge, errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { spawnHub, TEST_API_KEYS, TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { publishInput } from '../support/fixtures.ts';
import { connected, subscribe, wsClient } from '../support/ws-client.ts';

/**
 * Black-box: the hub started as `npm start` starts it, on its embedded
 * default, driven with plain HTTP and the real graphql-ws client.
 */
describe('the hub on its embedded default', () => {
  let hub: HubProcess;
  before(async () => {
    hub = await spawnHub({ HUB_API_KEYS: TEST_API_KEYS });
  });
  after(async () => {
    await hub.stop();
  });

  const publish = (input: Record<string, unknown>, key: string = TEST_KEYS.acme) =>
    gql(hub.url, PUBLISH, { input }, key);

  it('says in its log that it runs on the memory store and the in-process bus', () => {
    assert.match(hub.output(), /"store":"memory"/);
    assert.match(hub.output(), /"bus":"in-process"/);
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${hub.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('accepts an event, then answers a duplicate idempotency key with DUPLICATE and the original id', async () => {
    const input = publishInput({ metadata: { idempotencyKey: 'order-7' } });
    const first = await publish(input);
    assert.equal(first.data?.publishEvent.status, 'ACCEPTED');
    const second = await publish(input);
    assert.equal(second.data?.publishEvent.status, 'DUPLICATE');
    assert.equal(second.data?.publishEvent.originalEventId, first.data?.publishEvent.event.id);
    const stored = await gql(
      hub.url,
      'query { events(filter: {types: ["crm.>"]}, first: 100) { edges { node { id metadata { idempotencyKey } } } } }',
      {},
      TEST_KEYS.acme,
    );
    const withKey = stored.data?.events.edges.filter(
      (e: Edge<{ metadata: { idempotencyKey: string | null } }>) => e.node.metadata.idempotencyKey === 'order-7',
    );
    assert.equal(withKey.length, 1, 'the duplicate was not stored');
  });

  it('finds events by wildcard type and by a payload condition', async () => {
    await publish(publishInput({ type: 'sales.deal.won', payload: { amount: 500 } }));
    await publish(publishInput({ type: 'sales.deal.lost', payload: { amount: 900 } }));
    await publish(publishInput({ type: 'sales.quote.sent', payload: { amount: 900 } }));
    const query = `query($filter: EventFilter) { events(filter: $filter, order: ASC) { edges { node { type payload } } } }`;
    const wildcard = await gql(hub.url, query, { filter: { types: ['sales.deal.*'] } }, TEST_KEYS.acme);
    assert.deepEqual(
      wildcard.data?.events.edges.map((e: Edge<{ type: string }>) => e.node.type),
      ['sales.deal.won', 'sales.deal.lost'],
    );
    const rich = await gql(
      hub.url,
      query,
      { filter: { types: ['sales.>'], where: [{ path: 'payload.amount', op: 'GT', value: 600 }] } },
      TEST_KEYS.acme,
    );
    assert.deepEqual(
      rich.data?.events.edges.map((e: Edge<{ type: string }>) => e.node.type),
      ['sales.deal.lost', 'sales.quote.sent'],
    );
  });

  it('delivers to a graphql-ws subscriber only matching events of its own tenant', async () => {
    const mark = await publish(publishInput({ type: 'ops.marker.set' }));
    const position = mark.data?.publishEvent.event.position;
    const client = wsClient(hub.url, TEST_KEYS.acme);
    const ready = connected(client);
    const sub = subscribe(
      client,
      `subscription($after: String) { events(filter: {types: ["billing.>"]}, after: $after) { type tenantId payload } }`,
      { after: position },
    );
    await ready;
    await publish(publishInput({ type: 'billing.invoice.paid', payload: { n: 1 } }), TEST_KEYS.globex);
    await publish(publishInput({ type: 'crm.contact.updated', payload: { n: 2 } }));
    await publish(publishInput({ type: 'billing.invoice.paid', payload: { n: 3 } }));
    const [first] = await sub.waitFor(1);
    assert.deepEqual(first?.data?.['events'], { type: 'billing.invoice.paid', tenantId: 'acme', payload: { n: 3 } });
    await publish(publishInput({ type: 'billing.invoice.sent', payload: { n: 4 } }));
    const results = await sub.waitFor(2);
    assert.deepEqual(
      results.map((r) => r.data?.['events'].payload.n),
      [3, 4],
    );
    await sub.close();
    await client.dispose();
  });

  it('answers bad input with coded errors and keeps serving', async () => {
    const badType = await publish(publishInput({ type: 'NotAType' }));
    assert.deepEqual(errorCodes(badType), ['BAD_USER_INPUT']);
    const tooLarge = await publish(publishInput({ payload: { blob: 'x'.repeat(1_100_000) } }));
    assert.deepEqual(errorCodes(tooLarge), ['PAYLOAD_TOO_LARGE']);
    const dollarPath = await gql(
      hub.url,
      'query { events(filter: {where: [{path: "payload.$where", op: EQ, value: 1}]}) { edges { cursor } } }',
      {},
      TEST_KEYS.acme,
    );
    assert.deepEqual(errorCodes(dollarPath), ['BAD_USER_INPUT']);
    const catastrophic = await gql(
      hub.url,
      'query { events(filter: {patterns: [{kind: REGEX, value: "(a+)+$"}]}) { edges { cursor } } }',
      {},
      TEST_KEYS.acme,
    );
    assert.deepEqual(errorCodes(catastrophic), ['BAD_USER_INPUT']);
    const operatorValue = await gql(
      hub.url,
      'query($filter: EventFilter) { events(filter: $filter) { edges { cursor } } }',
      { filter: { where: [{ path: 'payload.a', op: 'EQ', value: { $gt: 1 } }] } },
      TEST_KEYS.acme,
    );
    assert.deepEqual(errorCodes(operatorValue), ['BAD_USER_INPUT']);
    const still = await publish(publishInput());
    assert.equal(still.data?.publishEvent.status, 'ACCEPTED');
  });

  it('refuses callers without a valid key and callers without the scope', async () => {
    assert.deepEqual(errorCodes(await publish(publishInput(), 'not-a-real-key-at-all')), ['UNAUTHENTICATED']);
    assert.deepEqual(errorCodes(await publish(publishInput(), TEST_KEYS.acmeReadOnly)), ['FORBIDDEN']);
  });

  it('closes a websocket without a valid key before any subscription starts', async () => {
    const client = wsClient(hub.url, 'not-a-real-key-at-all');
    const sub = subscribe(client, 'subscription { events { id } }');
    const { error } = await sub.ended;
    assert.equal((error as { code?: number }).code, 4403);
    assert.equal(sub.received.length, 0);
    await client.dispose();
  });

  it('serves GraphiQL to a browser', async () => {
    const response = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /graphiql/i);
  });

  it('exits cleanly on SIGTERM', async () => {
    const other = await spawnHub({});
    assert.equal(await other.stop(), 0);
  });

  it('loads neither the MongoDB driver nor ioredis, serving a publish: only a hub configured for them pays their memory', async () => {
    const probe = fileURLToPath(new URL('../support/loaded-packages.mjs', import.meta.url));
    const own = await spawnHub({ HUB_API_KEYS: TEST_API_KEYS, NODE_OPTIONS: `--import=${probe}` });
    const served = await gql(own.url, PUBLISH, { input: publishInput() }, TEST_KEYS.acme);
    assert.equal(served.data?.publishEvent.status, 'ACCEPTED');
    assert.equal(await own.stop(), 0);
    const line = own
      .output()
      .split('\n')
      .find((l) => l.startsWith('{"loadedPackages"'));
    assert.ok(line, 'the probe reported what the process loaded');
    const { loadedPackages } = JSON.parse(line) as { loadedPackages: string[] };
    assert.ok(loadedPackages.includes('pino'), `the probe sees CommonJS packages: ${loadedPackages}`);
    assert.ok(!loadedPackages.includes('mongodb'), `no MongoDB driver: ${loadedPackages}`);
    assert.ok(!loadedPackages.includes('ioredis'), `no ioredis: ${loadedPackages}`);
  });
});
