import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMetrics } from '../../src/metrics/metrics.ts';

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
