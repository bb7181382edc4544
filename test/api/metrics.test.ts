import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

const METRICS_TOKEN = 'metrics-test-token-0001';

/** One sample's value from the Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('serves /metrics in the Prometheus text format with what the hub did', async (t) => {
  // scraped the way Prometheus is set up against a hub with API keys: with the metrics token
  const hub = await startTestHub({ HUB_HANDLER_POLL_MS: '100', HUB_METRICS_TOKEN: METRICS_TOKEN });
  t.after(() => hub.stop());
  const client = wsClient(hub.url, TEST_KEYS.acme);
  t.after(() => client.dispose());
  const sub = subscribe(client, 'subscription { events(filter: { types: ["sales.>"] }) { id } }');
  while (hub.services.live.size < 1) await sleep(5);

  const order = {
    orderId: 'o-1',
    customerId: 'c-1',
    currency: 'EUR',
    lines: [{ sku: 'A', quantity: 1, unitPrice: 2 }],
  };
  await gql(hub.url, PUBLISH, { input: publishInput({ type: 'sales.order.placed', payload: order }) }, TEST_KEYS.acme);
  await gql(
    hub.url,
    PUBLISH,
    { input: publishInput({ type: 'sales.order.placed', payload: { orderId: 'bad' } }) },
    TEST_KEYS.acme,
  );
  await sub.waitFor(1);
  let text = '';
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    text = await response.text();
    if (sample(text, 'events_acked_total{handler="customer-order-totals"}') === 1) break;
    await sleep(20);
  }
  assert.equal(sample(text, 'events_published_total{tenant="acme",domain="sales",status="ACCEPTED"}'), 1);
  assert.equal(sample(text, 'events_published_total{tenant="acme",domain="sales",status="REJECTED"}'), 1);
  // request-shipment's follow-up is a fulfilment event, published by the hub itself.
  assert.equal(sample(text, 'events_acked_total{handler="request-shipment"}'), 1);
  assert.equal(sample(text, 'events_acked_total{handler="customer-order-totals"}'), 1);
  assert.equal(sample(text, 'events_consumed_total{handler="request-shipment"}'), 1);
  assert.equal(sample(text, 'event_processing_duration_seconds_count{handler="request-shipment"}'), 1);
  assert.equal(sample(text, 'subscriptions_open'), 1);
  assert.equal(sample(text, 'websocket_connections'), 1);
  assert.ok((sample(text, 'graphql_request_duration_seconds_count{operation="mutation"}') ?? 0) >= 2);
  assert.equal(sample(text, 'graphql_request_duration_seconds_count{operation="subscription"}'), 1);
  assert.equal(sample(text, 'slow_consumer_closes_total'), 0);
  assert.ok(/^consumer_lag\{handler="request-shipment"\} \d+$/m.test(text), 'lag per handler');
  assert.ok(
    !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(
      text
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    ),
    'no ids in labels',
  );
});
