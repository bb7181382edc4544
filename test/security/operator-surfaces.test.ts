// What the hub shows its operators, closed to everyone else: /metrics, GraphiQL, introspection, and
// logs that keep refusals of clients apart from the hub's own failures.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { errorCodes, gql, type GraphQLResponse } from '../support/graphql-client.ts';
import { startTestHub, TEST_API_KEYS, TEST_KEYS } from '../support/hub.ts';
import { rawRequest } from './http-request.ts';

const METRICS_TOKEN = 'metrics-token-for-prometheus-01';
const ADMIN_KEY = 'acme-test-key-admin-scope-0001';
const WITH_ADMIN_KEY = JSON.stringify([
  ...JSON.parse(TEST_API_KEYS),
  { key: ADMIN_KEY, tenant: 'acme', scopes: ['admin'] },
]);

const scrape = (url: string, bearer?: string) =>
  rawRequest(`${url}/metrics`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

describe('/metrics with API keys configured', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let noToken: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub({ HUB_API_KEYS: WITH_ADMIN_KEY, HUB_METRICS_TOKEN: METRICS_TOKEN });
    noToken = await startTestHub({ HUB_API_KEYS: WITH_ADMIN_KEY });
  });
  after(() => Promise.all([hub.stop(), noToken.stop()]));

  it('answers an anonymous scrape 401, with or without a metrics token configured, and shows no tenant', async () => {
    for (const url of [hub.url, noToken.url]) {
      const response = await scrape(url);
      assert.equal(response.status, 401);
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="metrics"');
      assert.doesNotMatch(response.body, /acme|events_published_total/);
    }
  });

  it('serves the metrics to the metrics token, and not to a wrong one', async () => {
    const response = await scrape(hub.url, METRICS_TOKEN);
    assert.equal(response.status, 200);
    assert.match(response.body, /^# HELP /m);
    assert.equal((await scrape(hub.url, `${METRICS_TOKEN}x`)).status, 401);
    assert.equal((await scrape(hub.url, METRICS_TOKEN.slice(0, -1))).status, 401);
  });

  it('serves the metrics to a key with the admin scope, and answers 403 to a key without it', async () => {
    for (const url of [hub.url, noToken.url]) {
      assert.equal((await scrape(url, ADMIN_KEY)).status, 200);
      assert.equal((await scrape(url, TEST_KEYS.acme)).status, 403);
      assert.equal((await scrape(url, 'not-a-key-of-this-hub-000')).status, 401);
    }
  });
});

describe('/metrics without API keys', () => {
  it('stays open when no metrics token is set (the embedded default)', async (t) => {
    const hub = await startTestHub({ HUB_API_KEYS: '' });
    t.after(() => hub.stop());
    assert.equal((await scrape(hub.url)).status, 200);
  });

  it('needs the metrics token once one is set, whatever bearer the open hub would otherwise take', async (t) => {
    const hub = await startTestHub({ HUB_API_KEYS: '', HUB_METRICS_TOKEN: METRICS_TOKEN });
    t.after(() => hub.stop());
    assert.equal((await scrape(hub.url)).status, 401);
    assert.equal((await scrape(hub.url, 'anything-at-all-really')).status, 401);
    assert.equal((await scrape(hub.url, METRICS_TOKEN)).status, 200);
  });
});

const INTROSPECTION = '{ __schema { queryType { name } } }';
function assertIntrospectionRefused(response: GraphQLResponse): void {
  assert.equal(response.data, undefined);
  assert.ok(
    errorCodes(response).length > 0 && errorCodes(response).every((code) => code === 'GRAPHQL_VALIDATION_FAILED'),
    JSON.stringify(response),
  );
}
const graphiql = (url: string) => rawRequest(`${url}/graphql`, { headers: { accept: 'text/html' } });

describe('GraphiQL and introspection', () => {
  it('are off with NODE_ENV=production: no GraphiQL page, introspection and field suggestions refused', async (t) => {
    const hub = await startTestHub({ NODE_ENV: 'production' });
    t.after(() => hub.stop());
    assert.equal((await graphiql(hub.url)).status, 404);
    assertIntrospectionRefused(await gql(hub.url, INTROSPECTION, {}, TEST_KEYS.acme));
    const typo = await gql(hub.url, '{ evnts { edges { cursor } } }', {}, TEST_KEYS.acme);
    assert.equal(typo.errors?.length, 1);
    assert.doesNotMatch(typo.errors![0]!.message, /events|Did you mean/);
  });

  it('are on with NODE_ENV=production when HUB_GRAPHIQL and HUB_INTROSPECTION turn them on', async (t) => {
    const hub = await startTestHub({ NODE_ENV: 'production', HUB_GRAPHIQL: 'true', HUB_INTROSPECTION: 'true' });
    t.after(() => hub.stop());
    assert.equal((await graphiql(hub.url)).status, 200);
    assert.deepEqual((await gql(hub.url, INTROSPECTION, {}, TEST_KEYS.acme)).data, {
      __schema: { queryType: { name: 'Query' } },
    });
  });

  it('are on by default outside production, and each can be turned off', async (t) => {
    const [on, off] = [
      await startTestHub({}),
      await startTestHub({ HUB_GRAPHIQL: 'false', HUB_INTROSPECTION: 'false' }),
    ];
    t.after(() => Promise.all([on.stop(), off.stop()]));
    assert.equal((await graphiql(on.url)).status, 200);
    assert.equal((await gql(on.url, INTROSPECTION, {}, TEST_KEYS.acme)).errors, undefined);
    assert.equal((await graphiql(off.url)).status, 404);
    assertIntrospectionRefused(await gql(off.url, INTROSPECTION, {}, TEST_KEYS.acme));
  });

  it('serves a GraphiQL page that loads nothing from another host', async (t) => {
    const hub = await startTestHub({});
    t.after(() => hub.stop());
    const page = await graphiql(hub.url);
    assert.equal(page.status, 200);
    const tags = [...page.body.matchAll(/<(script|link|img|iframe)\b[^>]*>/gi)].map((m) => m[0]);
    assert.ok(
      tags.some((tag) => tag.startsWith('<script')),
      'the page has its scripts',
    );
    for (const tag of tags) {
      const source = /\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/i.exec(tag)?.[1];
      if (source !== undefined)
        assert.doesNotMatch(source, /^(?:[a-z][a-z0-9+.-]*:)?\/\//i, `${tag} loads from another host`);
    }
    assert.doesNotMatch(page.body, /unpkg\.com|jsdelivr|cdnjs/);
  });
});

/** A logger at `info` that keeps every line it writes, parsed. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', destination), lines };
}

const ERROR_LEVEL = 50;

describe('logs of refused requests', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let captured: ReturnType<typeof capturedLog>;
  before(async () => {
    captured = capturedLog();
    hub = await startTestHub({}, { log: captured.log });
  });
  after(() => hub.stop());
  const since = (mark: number) => captured.lines.slice(mark);

  it('logs a request without a key at info or warn, with its code and without a stack', async () => {
    const mark = captured.lines.length;
    assert.deepEqual(errorCodes(await gql(hub.url, '{ events { edges { cursor } } }')), ['UNAUTHENTICATED']);
    const lines = since(mark);
    assert.ok(
      lines.some((line) => line['code'] === 'UNAUTHENTICATED' && (line['level'] === 30 || line['level'] === 40)),
      JSON.stringify(lines),
    );
    assert.ok(
      lines.every((line) => Number(line['level']) < ERROR_LEVEL),
      'nothing at error',
    );
    assert.doesNotMatch(JSON.stringify(lines), /"stack"/);
  });

  it('logs invalid documents, bad input and missing scopes below error, without stacks', async () => {
    const mark = captured.lines.length;
    await gql(hub.url, '{ nope }', {}, TEST_KEYS.acme);
    await gql(hub.url, '{ events(first: 0) { edges { cursor } } }', {}, TEST_KEYS.acme);
    await gql(
      hub.url,
      'mutation { startReplay(input: { target: REPUBLISH, filter: {} }) { id } }',
      {},
      TEST_KEYS.acmeReadOnly,
    );
    const lines = since(mark);
    assert.ok(lines.length >= 3);
    assert.ok(
      lines.every((line) => Number(line['level']) < ERROR_LEVEL),
      JSON.stringify(lines.filter((line) => Number(line['level']) >= ERROR_LEVEL)),
    );
    assert.doesNotMatch(JSON.stringify(lines), /"stack"/);
  });

  it('logs an unexpected error once at error, with its stack and the correlation id the client got', async () => {
    const original = hub.services.store.get;
    hub.services.store.get = async () => {
      throw new Error('store exploded');
    };
    const mark = captured.lines.length;
    try {
      const result = await gql(
        hub.url,
        'query { event(id: "0190f3c4-0000-7000-8000-000000000000") { id } }',
        {},
        TEST_KEYS.acme,
      );
      const errors = since(mark).filter((line) => Number(line['level']) >= ERROR_LEVEL);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]!['correlationId'], result.errors?.[0]?.extensions?.['correlationId']);
      assert.match(String((errors[0]!['err'] as { stack?: string }).stack), /store exploded/);
    } finally {
      hub.services.store.get = original;
    }
  });
});
