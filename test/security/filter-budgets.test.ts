import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, type GraphQLResponse } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

const STATS = 'query($filter: EventFilter) { eventStats(filter: $filter, groupBy: TYPE) { key count } }';
const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }';

const regex = (value: string) => ({ kind: 'REGEX', value });
/** Patterns no earlier request compiled, so that the cache saves them nothing. */
const fresh = (n: number, body: string) => {
  const tag = `z${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return Array.from({ length: n }, (_, i) => regex(`${tag}${i}${body}`));
};

/**
 * Runs `request` while /healthz is asked again and again beside it (the hub
 * runs in this process, so a blocked event loop delays both). The issue's
 * bounds: a filter request answered within 1 s, /healthz within 100 ms.
 * On a machine busy with other test files one probe can wait for a CPU
 * rather than for the hub, so the run is tried up to three times and the
 * first within both bounds counts; a hub that blocks (27 s before the
 * budgets) misses them every time.
 */
async function besideHealth<T>(url: string, request: () => Promise<T>) {
  let run = await probedRun(url, request);
  for (let tries = 1; tries < 3 && (run.ms >= 1000 || run.slowestHealthMs >= 100); tries++)
    run = await probedRun(url, request);
  return run;
}

async function probedRun<T>(url: string, request: () => Promise<T>) {
  let done = false;
  let slowestHealthMs = 0;
  const probe = (async () => {
    while (!done) {
      const start = performance.now();
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const start = performance.now();
  const result = await request().finally(() => (done = true));
  const ms = performance.now() - start;
  await probe;
  return { result, ms, slowestHealthMs };
}

for (const kind of STORE_KINDS) {
  describe(`filter budgets on ${kind}`, () => {
    let hub: TestHub;
    const stats = (filter: unknown, key: string = TEST_KEYS.acmeReadOnly) => gql(hub.url, STATS, { filter }, key);
    const assertCoded = (result: GraphQLResponse, code: string) => {
      assert.deepEqual(errorCodes(result), [code], JSON.stringify(result.errors));
    };

    before(async () => {
      hub = await startHubOn(kind);
      const input = Array.from({ length: 100 }, (_, i) =>
        publishInput({ type: `budget.item${i % 20}.${'created_and_then_updated_'.repeat(4)}n${i}` }),
      );
      assert.ok((await gql(hub.url, PUBLISH_MANY, { input }, TEST_KEYS.acme)).data);
      await stats({ patterns: [regex('^budget\\.'), ...fresh(1, '.{0,100}')] }); // warm the code paths before anything is timed
    });
    after(() => hub.stop());

    it('refuses the 18 KB eventStats of 64 patterns like .{0,1000}… from a query-only key with BAD_USER_INPUT within 1 s, /healthz answering within 100 ms', async () => {
      const filter = () => ({ patterns: fresh(64, '.{0,1000}'.repeat(27)) }); // new patterns on each try: nothing cached
      assert.ok(JSON.stringify(filter()).length > 17_000);
      const { result, ms, slowestHealthMs } = await besideHealth(hub.url, () => stats(filter()));
      assertCoded(result, 'BAD_USER_INPUT');
      assert.ok(ms < 1000, `answered in ${ms} ms`);
      assert.ok(slowestHealthMs < 100, `/healthz took ${slowestHealthMs} ms`);
    });

    it('refuses a pattern with a counted repeat over the limit before compiling it, naming the pattern', async () => {
      const result = await stats({ patterns: [regex('^budget\\.'), ...fresh(1, '.{0,1000}')] });
      assertCoded(result, 'BAD_USER_INPUT');
      assert.deepEqual(result.errors![0]!.extensions?.['inputPath'], ['filter', 'patterns', '1', 'value']);
    });

    it('answers a request at its budgets, 16 REGEX patterns of about 3,900 instructions together, within 1 s, /healthz answering within 100 ms', async () => {
      const { result, ms, slowestHealthMs } = await besideHealth(hub.url, () =>
        stats({ patterns: fresh(16, '.{0,110}') }),
      );
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.deepEqual(result.data?.['eventStats'], []);
      assert.ok(ms < 1000, `answered in ${ms} ms`);
      assert.ok(slowestHealthMs < 100, `/healthz took ${slowestHealthMs} ms`);
    });

    it('refuses REGEX patterns that would compile to more instructions together than the request may have', async () => {
      const result = await stats({ patterns: fresh(3, '.{0,255}.{0,255}.{0,255}') });
      assertCoded(result, 'BAD_USER_INPUT');
      assert.match(result.errors![0]!.message, /HUB_MAX_REGEX_INSTRUCTIONS/);
    });

    it('counts REGEX patterns across the aliases of one request, and afresh for the next request', async () => {
      const query = `query($a: EventFilter, $b: EventFilter) {
        a: eventStats(filter: $a, groupBy: TYPE) { key }
        b: eventStats(filter: $b, groupBy: TYPE) { key }
      }`;
      const over = await gql(
        hub.url,
        query,
        { a: { patterns: fresh(9, 'x') }, b: { patterns: fresh(8, 'x') } },
        TEST_KEYS.acmeReadOnly,
      );
      assertCoded(over, 'BAD_USER_INPUT');
      assert.deepEqual(over.errors![0]!.path, ['b']);
      assert.match(over.errors![0]!.message, /HUB_MAX_REGEX_PER_REQUEST/);
      const within = await gql(
        hub.url,
        query,
        { a: { patterns: fresh(8, 'x') }, b: { patterns: fresh(8, 'x') } },
        TEST_KEYS.acmeReadOnly,
      );
      assert.equal(within.errors, undefined, JSON.stringify(within.errors));
    });

    it('refuses a where value nested a million levels deep, or nested past 8, with BAD_USER_INPUT, never INTERNAL_SERVER_ERROR', async () => {
      // Written by hand: JSON.stringify itself overflows the stack on such a value.
      const deep = `${'['.repeat(1_000_000)}1${']'.repeat(1_000_000)}`;
      const body = `{"query":${JSON.stringify(STATS)},"variables":{"filter":{"where":[{"path":"payload.a","op":"EQ","value":${deep}}]}}}`;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.acmeReadOnly}` };
      const response = await fetch(`${hub.url}/graphql`, { method: 'POST', headers, body });
      assertCoded({ status: response.status, ...((await response.json()) as object) }, 'BAD_USER_INPUT');
      let nine: unknown = 1;
      for (let i = 0; i < 9; i++) nine = { a: nine };
      const result = await stats({ where: [{ path: 'payload.a', op: 'EQ', value: nine }] });
      assertCoded(result, 'BAD_USER_INPUT');
      assert.deepEqual(result.errors![0]!.extensions?.['inputPath'], ['filter', 'where', '0', 'value']);
      assert.match(result.errors![0]!.message, /deeper than 8/);
    });

    it('refuses a where value written deep in the query text itself with a code, never INTERNAL_SERVER_ERROR', async () => {
      const literal = `${'['.repeat(2400)}1${']'.repeat(2400)}`;
      const result = await gql(
        hub.url,
        `{ eventStats(filter: { where: [{ path: "payload.a", op: EQ, value: ${literal} }] }, groupBy: TYPE) { key } }`,
        {},
        TEST_KEYS.acmeReadOnly,
      );
      assert.ok(result.errors?.length, 'refused');
      assert.ok(!errorCodes(result).includes('INTERNAL_SERVER_ERROR'), JSON.stringify(result.errors));
    });

    it('refuses huge values and long filter strings with BAD_USER_INPUT', async () => {
      const keys = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
      assertCoded(await stats({ where: [{ path: 'payload.a', op: 'EQ', value: keys }] }), 'BAD_USER_INPUT');
      const subject = await stats({ subject: 'x'.repeat(100_000) });
      assertCoded(subject, 'BAD_USER_INPUT');
      assert.match(subject.errors![0]!.message, /HUB_MAX_FILTER_BYTES/);
      const sourceId = await stats({ sourceId: 'x'.repeat(600) });
      assert.deepEqual(sourceId.errors![0]!.extensions?.['inputPath'], ['filter', 'sourceId']);
    });

    it('gives each subscribe on a socket its own REGEX budget', async () => {
      const client = wsClient(hub.url, TEST_KEYS.acme);
      const query = 'subscription($filter: EventFilter) { events(filter: $filter) { type } }';
      const live = regex('^budget\\.live\\.');
      const [first, second, third] = [[...fresh(15, 'x'), live], [...fresh(15, 'x'), live], fresh(17, 'x')].map(
        (patterns) => subscribe(client, query, { filter: { patterns } }),
      );
      const [refused] = await third!.waitFor(1);
      assert.equal(refused?.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      // Subscribing is asynchronous: publish until both have started and received one.
      for (let i = 0; first!.received.length === 0 || second!.received.length === 0; i++) {
        assert.ok(i < 50, 'both subscriptions of 16 patterns receive events');
        await gql(hub.url, PUBLISH_MANY, { input: [publishInput({ type: 'budget.live.x' })] }, TEST_KEYS.acme);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(first!.received[0], { data: { events: { type: 'budget.live.x' } } });
      await client.dispose();
    });

    it('holds startReplay to the same REGEX budget', async () => {
      const start = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';
      const result = await gql(
        hub.url,
        start,
        { input: { filter: { patterns: fresh(17, 'x') }, target: 'REPUBLISH', dryRun: true } },
        TEST_KEYS.acme,
      );
      assertCoded(result, 'BAD_USER_INPUT');
      assert.match(result.errors![0]!.message, /HUB_MAX_REGEX_PER_REQUEST/);
    });
  });
}
