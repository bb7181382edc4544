import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMetrics, MAX_DOMAINS_PER_TENANT } from '../../src/metrics/metrics.ts';

it('exposes every metric of the operations guide in the Prometheus text format, with bounded labels', async () => {
  const metrics = createMetrics();
  metrics.attach({
    openSubscriptions: () => 3,
    websocketConnections: () => 2,
    handlerLag: async () => new Map([['request-shipment', 7]]),
    replayJobs: async () => new Map([['RUNNING', 1]]),
  });
  metrics.published('acme', 'crm.contact.created', 'ACCEPTED');
  metrics.attemptStarted('request-shipment');
  metrics.attemptFinished('request-shipment', true, 0.02);
  metrics.attemptFinished('request-shipment', false, 0.5);
  metrics.deadLettered('request-shipment');
  metrics.slowConsumer();
  metrics.rateLimited('acme');
  metrics.graphqlRequest('mutation', 0.004);
  const text = await metrics.registry.metrics();
  for (const line of [
    'events_published_total{tenant="acme",domain="crm",status="ACCEPTED"} 1',
    'events_consumed_total{handler="request-shipment"} 1',
    'events_acked_total{handler="request-shipment"} 1',
    'events_nacked_total{handler="request-shipment"} 1',
    'events_dlq_total{handler="request-shipment"} 1',
    'consumer_lag{handler="request-shipment"} 7',
    'event_processing_duration_seconds_count{handler="request-shipment"} 2',
    'subscriptions_open 3',
    'websocket_connections 2',
    'slow_consumer_closes_total 1',
    'rate_limited_total{tenant="acme"} 1',
    'replay_jobs{status="RUNNING"} 1',
    'graphql_request_duration_seconds_count{operation="mutation"} 1',
  ]) {
    assert.ok(text.includes(line), `missing: ${line}`);
  }
  assert.match(text, /# TYPE process_cpu_seconds_total counter/);
});

it('keeps the domain label bounded whatever types callers send', async () => {
  const metrics = createMetrics();
  metrics.published('acme', 'not a type at all', 'REJECTED');
  metrics.published('acme', 'x'.repeat(300), 'REJECTED');
  for (let i = 0; i < MAX_DOMAINS_PER_TENANT + 20; i++) metrics.published('acme', `d${i}.thing.made`, 'ACCEPTED');
  metrics.published('acme', 'd0.thing.made', 'ACCEPTED'); // a domain seen before keeps its label
  metrics.published('globex', 'd99.thing.made', 'ACCEPTED'); // another tenant has its own allowance
  const text = await metrics.registry.metrics();
  const series = text.split('\n').filter((line) => line.startsWith('events_published_total{'));
  assert.ok(series.includes('events_published_total{tenant="acme",domain="invalid",status="REJECTED"} 2'));
  assert.ok(series.includes('events_published_total{tenant="acme",domain="other",status="ACCEPTED"} 20'));
  assert.ok(series.includes('events_published_total{tenant="acme",domain="d0",status="ACCEPTED"} 2'));
  assert.ok(series.includes('events_published_total{tenant="globex",domain="d99",status="ACCEPTED"} 1'));
  assert.equal(series.filter((line) => line.includes('tenant="acme"')).length, MAX_DOMAINS_PER_TENANT + 2);
});
