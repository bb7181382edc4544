// /metrics black-box: two hub processes on the MongoDB-wire server and a Redis of this file's own,
// after a publish and handler load, each scraped as Prometheus would.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { mongoHubs } from '../support/mongo-hubs.ts';
import { ownRedis } from '../support/own-redis.ts';
import { recorder } from '../support/recorder.ts';
import { subscribeFromStart, wsClient } from '../support/ws-client.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text exposition format strictly enough to fail on anything a scraper would
 * refuse: every line is a # HELP / # TYPE comment or `name{label="value",...} number`, every sample's
 * metric family has a TYPE, and no series appears twice.
 */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(
        line,
      );
    assert.ok(match, `not Prometheus text: ${line}`);
    const [, name, labelText = '', value] = match;
    const family = name!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(name!) || types.has(family), `no # TYPE for ${name}`);
    assert.ok(!seen.has(`${name}{${labelText}}`), `series twice: ${name}{${labelText}}`);
    seen.add(`${name}{${labelText}}`);
    const labels = Object.fromEntries(
      [...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    samples.push({ name: name!, labels, value: Number(value) });
  }
  return { samples, types };
}

const METRICS_TOKEN = 'metrics-test-token-0001';

const sum = (samples: Sample[], name: string, where: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);

it('serves Prometheus text with the hub’s metrics and plausible values on each of two processes', {
  timeout: 90_000,
}, async (t) => {
  const { env: recording, calls } = recorder(t);
  const redis = await ownRedis(t);
  const hubs = await mongoHubs(t, {
    REDIS_URL: redis.url,
    ...recording,
    HUB_HANDLER_POLL_MS: '200',
    // scraped the way Prometheus is set up against hubs with API keys: with the metrics token
    HUB_METRICS_TOKEN: METRICS_TOKEN,
  });
  const [a, b] = [await hubs.start(), await hubs.start()];
  const client = wsClient(b.url, TEST_KEYS.acme);
  t.after(() => client.dispose());
  // From the start of the fresh store: the jobs published next are caught up if they come before the subscription is live.
  const sub = subscribeFromStart(client, 'job.>', 'id');

  // 10 jobs through each process, one refused input, one that fails until it is a dead letter.
  const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }';
  for (const hub of [a, b]) {
    const input = Array.from({ length: 10 }, (_, i) => publishInput({ type: 'job.metric.run', payload: { n: i } }));
    assert.equal((await gql(hub.url, PUBLISH_MANY, { input }, TEST_KEYS.acme)).errors, undefined);
  }
  await gql(a.url, PUBLISH_MANY, { input: [publishInput({ type: 'bad type!' })] }, TEST_KEYS.acme);
  await sub.waitFor(20, 20_000);

  const scrape = async (url: string) =>
    parsePrometheus(
      await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
    );
  const handled = () => calls().length;
  for (let i = 0; i < 200 && handled() < 20; i++) await sleep(100);
  assert.equal(handled(), 20, 'every job handled');
  let both: { samples: Sample[]; types: Map<string, string> }[] = [];
  for (let i = 0; i < 50; i++) {
    both = await Promise.all([a, b].map((hub) => scrape(hub.url)));
    if (both.every(({ samples }) => sum(samples, 'consumer_lag', { handler: 'recorder' }) === 0)) break;
    await sleep(200);
  }
  const [fromA, fromB] = both.map(({ samples }) => samples) as [Sample[], Sample[]];
  const all = [...fromA, ...fromB];

  // Every family is declared on both processes (a labelled counter has samples only once counted:
  // which process handled the jobs is the lease's choice).
  const families = {
    events_published_total: 'counter',
    events_consumed_total: 'counter',
    events_acked_total: 'counter',
    events_nacked_total: 'counter',
    events_dlq_total: 'counter',
    consumer_lag: 'gauge',
    event_processing_duration_seconds: 'histogram',
    subscriptions_open: 'gauge',
    websocket_connections: 'gauge',
    slow_consumer_closes_total: 'counter',
    replay_jobs: 'gauge',
    rate_limited_total: 'counter',
    graphql_request_duration_seconds: 'histogram',
  };
  for (const { types } of both)
    assert.deepEqual(Object.fromEntries(Object.keys(families).map((name) => [name, types.get(name)])), families);
  assert.equal(sum(fromA, 'events_published_total', { tenant: 'acme', domain: 'job', status: 'ACCEPTED' }), 10);
  assert.equal(sum(fromB, 'events_published_total', { tenant: 'acme', domain: 'job', status: 'ACCEPTED' }), 10);
  assert.equal(sum(fromA, 'events_published_total', { status: 'REJECTED' }), 1);
  // Each event is handled by one process: the two together acked all 20, each attempt timed once.
  assert.equal(sum(all, 'events_acked_total', { handler: 'recorder' }), 20);
  assert.equal(sum(all, 'events_consumed_total', { handler: 'recorder' }), 20);
  assert.equal(sum(all, 'event_processing_duration_seconds_count', { handler: 'recorder' }), 20);
  assert.equal(sum(all, 'consumer_lag', { handler: 'recorder' }), 0, 'the lag is 0 once all is handled');
  assert.equal(sum(fromB, 'websocket_connections'), 1);
  assert.equal(sum(fromB, 'subscriptions_open'), 1);
  assert.ok(sum(fromA, 'graphql_request_duration_seconds_count', { operation: 'mutation' }) >= 2);
  for (const sample of all) {
    for (const value of Object.values(sample.labels))
      assert.ok(!/^[0-9a-f-]{36}$/.test(value), `an id as a label value: ${sample.name} ${value}`);
  }
});
