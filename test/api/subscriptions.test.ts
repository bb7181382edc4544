import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { connected, subscribe, wsClient } from '../support/ws-client.ts';

describe('live subscriptions', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub({ HUB_ALLOWED_ORIGINS: 'https://app.example' });
  });
  after(async () => {
    await hub.stop();
  });
  const publish = async (type: string, payload: Record<string, unknown> = {}, key: string = TEST_KEYS.acme) =>
    (await gql(hub.url, PUBLISH, { input: publishInput({ type, payload }) }, key)).data?.publishEvent.event;

  /** Resolves once the hub holds `count` open subscriptions, so a publish after it is live for them. */
  const liveSubscriptions = async (count: number) => {
    for (let i = 0; i < 300 && hub.services.live.size !== count; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hub.services.live.size, count);
  };

  it('delivers live events over graphql-ws, filtered by type and tenant', async () => {
    const client = wsClient(hub.url, TEST_KEYS.acme, { origin: 'https://app.example' });
    const sub = subscribe(
      client,
      'subscription { events(filter: {types: ["shop.order.*"]}) { type tenantId payload position } }',
    );
    await liveSubscriptions(1);
    await publish('shop.order.created', { n: 1 }, TEST_KEYS.globex);
    await publish('shop.cart.created', { n: 2 });
    const placed = await publish('shop.order.created', { n: 3 });
    const [result] = await sub.waitFor(1);
    assert.deepEqual(result?.data?.['events'], {
      type: 'shop.order.created',
      tenantId: 'acme',
      payload: { n: 3 },
      position: placed.position,
    });
    await sub.close();
    await client.dispose();
    await liveSubscriptions(0);
  });

  it('delivers over SSE (graphql-sse client) the same as over graphql-ws', async () => {
    const client = createSseClient({
      url: `${hub.url}/graphql`,
      headers: { authorization: `Bearer ${TEST_KEYS.acme}` },
      retryAttempts: 0,
    });
    const seen: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const dispose = client.subscribe(
        { query: 'subscription { events(filter: {types: ["sse.>"]}) { type payload } }' },
        {
          next: (value) => {
            seen.push(value.data?.['events']);
            if (seen.length === 2) {
              dispose();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    await liveSubscriptions(1);
    await publish('sse.ping.sent', { n: 1 });
    await publish('other.ping.sent', { n: 2 });
    await publish('sse.pong.sent', { n: 3 });
    await done;
    assert.deepEqual(seen, [
      { type: 'sse.ping.sent', payload: { n: 1 } },
      { type: 'sse.pong.sent', payload: { n: 3 } },
    ]);
    client.dispose();
    await liveSubscriptions(0);
  });

  it('resumes after a position: stored matching events first, in order, then live ones, once each', async () => {
    const start = await publish('resume.mark.set');
    const stored = [await publish('resume.item.made', { n: 1 }), await publish('resume.item.made', { n: 2 })];
    await publish('resume.noise.made');
    const client = wsClient(hub.url, TEST_KEYS.acme, { origin: 'https://app.example' });
    const sub = subscribe(
      client,
      'subscription($after: String) { events(filter: {types: ["resume.item.*"]}, after: $after) { payload position } }',
      { after: start.position },
    );
    await sub.waitFor(2);
    await publish('resume.item.made', { n: 3 });
    const results = await sub.waitFor(3);
    assert.deepEqual(
      results.map((r) => r.data?.['events'].payload.n),
      [1, 2, 3],
    );
    assert.deepEqual(
      results.slice(0, 2).map((r) => r.data?.['events'].position),
      stored.map((e) => e.position),
    );
    await sub.close();
    await client.dispose();
  });

  it('answers a position the store cannot serve with CURSOR_EXPIRED', async () => {
    const client = wsClient(hub.url, TEST_KEYS.acme, { origin: 'https://app.example' });
    const sub = subscribe(client, 'subscription { events(after: "999999") { id } }');
    const [result] = await sub.waitFor(1);
    assert.equal(result?.errors?.[0]?.extensions?.['code'], 'CURSOR_EXPIRED');
    await sub.ended;
    await client.dispose();
  });

  it('refuses a subscription without the subscribe scope with FORBIDDEN', async () => {
    const client = wsClient(hub.url, TEST_KEYS.acmeReadOnly, { origin: 'https://app.example' });
    const sub = subscribe(client, 'subscription { events { id } }');
    await sub.ended;
    assert.equal(sub.received.length, 1);
    assert.equal(sub.received[0]?.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    await client.dispose();
  });

  it('refuses a websocket upgrade from an origin that is not allowed', async () => {
    const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      origin: 'https://evil.example',
    });
    const status = await new Promise<number | undefined>((resolve) => {
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.on('open', () => resolve(101));
      socket.on('error', () => resolve(undefined));
    });
    assert.equal(status, 403);
    socket.terminate();
  });

  it('closes websockets with 1001 when the hub stops, so clients know to resume', async () => {
    const other = await startTestHub({});
    const client = wsClient(other.url, TEST_KEYS.acme);
    const ready = connected(client);
    const sub = subscribe(client, 'subscription { events { id } }');
    await ready;
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    await other.stop();
    assert.equal(await closed, 1001);
    await sub.close();
    await client.dispose();
  });
});

describe('introspection switch', () => {
  it('refuses introspection when HUB_INTROSPECTION=false', async () => {
    const hub = await startTestHub({ HUB_INTROSPECTION: 'false' });
    try {
      const result = await gql(hub.url, '{ __schema { types { name } } }', {}, TEST_KEYS.acme);
      assert.match(String(result.errors?.[0]?.message), /introspection/i);
      const normal = await gql(hub.url, '{ events(first: 1) { edges { cursor } } }', {}, TEST_KEYS.acme);
      assert.equal(normal.errors, undefined);
    } finally {
      await hub.stop();
    }
  });
});
