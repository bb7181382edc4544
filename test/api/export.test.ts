import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pendingEvent } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_API_KEYS, TEST_KEYS } from '../support/hub.ts';
import { openExport, readExport } from '../support/export-client.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import type { Untyped } from '../support/untyped.ts';

const PUBLISH_ONLY_KEY = 'acme-test-key-publish-only-01';
const API_KEYS = JSON.stringify([
  ...(JSON.parse(TEST_API_KEYS) as unknown[]),
  { key: PUBLISH_ONLY_KEY, tenant: 'acme', scopes: ['publish'] },
]);

/** Every field of Event but `processing`, as a GraphQL client selects them. */
const EVENT_FIELDS = `id type version tenantId source { type id } timestamp receivedAt subject payload position
  metadata { correlationId causationId idempotencyKey actor { id type } context { type id } attributes replay { jobId originalEventId } trace { traceparent traceId tracestate } }`;

/** Stores `count` events of `type` for `tenantId` straight into the store, in batches. */
async function seed(hub: TestHub, tenantId: string, type: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 500) {
    const batch = Array.from({ length: Math.min(500, count - done) }, (_, i) =>
      pendingEvent({ tenantId, type, payload: { n: done + i } }),
    );
    await hub.services.store.append(batch);
  }
}

for (const kind of STORE_KINDS) {
  describe(`GET /export on the ${kind} store`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHubOn(kind, { HUB_API_KEYS: API_KEYS });
    });
    after(() => hub.stop());

    it('writes each event as the GraphQL events query answers it with every field, then the trailer with the last position', async () => {
      const trace = {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        tracestate: 'v=1',
      };
      await hub.services.store.append([
        pendingEvent({
          type: 'shape.full.event',
          subject: 'order-1',
          payload: { amount: 12.5, tags: ['a'], nested: { ok: true } },
          metadata: {
            correlationId: 'c-1',
            causationId: 'e-0',
            idempotencyKey: 'k-1',
            actor: { id: 'u-1', type: 'user' },
            context: { type: 'CLIENT', id: 'cl-1' },
            attributes: { x: 1 },
            replay: { jobId: 'j-1', originalEventId: 'e-9' },
            trace,
          },
        }),
        pendingEvent({ type: 'shape.bare.event', metadata: { context: { type: 'GLOBAL' } } }),
      ]);
      const filter = { types: ['shape.>'] };
      const query = await gql(
        hub.url,
        `query($filter: EventFilter) { events(filter: $filter, order: ASC, first: 10) { edges { node { ${EVENT_FIELDS} } } } }`,
        { filter },
        TEST_KEYS.acme,
      );
      const nodes = query.data?.events.edges.map((edge: { node: unknown }) => edge.node);
      const exported = await readExport(hub.url, TEST_KEYS.acme, { filter });
      assert.equal(exported.status, 200);
      assert.match(String(exported.headers['content-type']), /^application\/x-ndjson/);
      assert.equal(nodes.length, 2);
      assert.deepEqual(exported.events, nodes);
      assert.deepEqual(exported.trailer, { next: nodes[1].position });
    });

    it('exports only the caller’s tenant, and a filter narrows it as in GraphQL', async () => {
      await seed(hub, 'acme', 'tenancy.acme.event', 5);
      await seed(hub, 'globex', 'tenancy.globex.event', 3);
      const acme = await readExport(hub.url, TEST_KEYS.acme);
      const globex = await readExport(hub.url, TEST_KEYS.globex);
      assert.ok(acme.events.every((event) => event['tenantId'] === 'acme'));
      assert.deepEqual([...new Set(globex.events.map((event) => event['type']))], ['tenancy.globex.event']);
      assert.equal(acme.events.filter((event) => event['type'] === 'tenancy.acme.event').length, 5);
      const narrowed = await readExport(hub.url, TEST_KEYS.acme, {
        filter: { types: ['tenancy.*.event'], where: [{ path: 'payload.n', op: 'GTE', value: 3 }] },
      });
      assert.deepEqual(
        narrowed.events.map((event) => (event['payload'] as { n: number }).n),
        [3, 4],
      );
    });

    it('gzips the lines when the client accepts gzip', async () => {
      await seed(hub, 'acme', 'gzip.some.event', 50);
      const filter = { types: ['gzip.>'] };
      const plain = await readExport(hub.url, TEST_KEYS.acme, { filter });
      const zipped = await readExport(hub.url, TEST_KEYS.acme, { filter }, { gzip: true });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(zipped.events.length, 50);
      assert.deepEqual(zipped.events, plain.events);
      assert.deepEqual(zipped.trailer, plain.trailer);
      const refused = await openExport(
        hub.url,
        TEST_KEYS.acme,
        { filter },
        { 'accept-encoding': 'gzip;q=0, identity' },
      );
      refused.resume();
      assert.equal(refused.headers['content-encoding'], undefined, 'gzip;q=0 refuses gzip');
    });

    it('resumes a cut export after the last complete line: every event exactly once, in order', async () => {
      const total = 2000;
      await seed(hub, 'acme', 'resume.some.event', total);
      const filter = { types: ['resume.>'] };
      const first = await readUntilCut(await openExport(hub.url, TEST_KEYS.acme, { filter }), 300);
      assert.ok(first.length >= 300 && first.length < total, `cut after ${first.length} lines`);
      const rest = await readExport(hub.url, TEST_KEYS.acme, { filter, after: String(first.at(-1)!['position']) });
      const all = [...first, ...rest.events].map((event) => (event['payload'] as { n: number }).n);
      assert.deepEqual(
        all,
        Array.from({ length: total }, (_, i) => i),
      );
      assert.deepEqual(rest.trailer, { next: rest.events.at(-1)!['position'] });
      const nothingLeft = await readExport(hub.url, TEST_KEYS.acme, { filter, after: rest.trailer!.next });
      assert.deepEqual([nothingLeft.events, nothingLeft.trailer], [[], rest.trailer]);
    });

    it('refuses a bad filter or parameter with a problem document naming the code and path, before any line', async () => {
      const cases: [Record<string, unknown>, string[]][] = [
        [{ filter: { types: ['Not A Type!'] } }, ['filter', 'types', '0']],
        [{ filter: { sourceTypes: ['NOPE'] } }, ['filter', 'sourceTypes', '0']],
        [{ filter: { from: 'yesterday' } }, ['filter', 'from']],
        [{ filter: { where: [{ path: 'payload.a', op: 'EQ', value: 'x' }], nope: 1 } }, ['filter']],
        [{ filter: '{not json' }, ['filter']],
        [
          { filter: { patterns: Array.from({ length: 17 }, (_, i) => ({ kind: 'REGEX', value: `^a${i}` })) } },
          ['filter', 'patterns'],
        ],
        [{ order: 'DESC' }, ['order']],
        [{ after: 'abc' }, ['after']],
        [{ fliter: '{}' }, ['fliter']],
      ];
      for (const [params, path] of cases) {
        const { status, headers, problem } = await readExport(hub.url, TEST_KEYS.acme, params);
        assert.equal(status, 400, JSON.stringify(params));
        assert.match(String(headers['content-type']), /^application\/problem\+json/);
        assert.equal(problem?.['code'], 'BAD_USER_INPUT');
        assert.deepEqual(
          (problem?.['path'] as string[] | undefined)?.slice(0, path.length),
          path,
          JSON.stringify(problem),
        );
      }
    });

    it('answers 401 without a valid key, 403 without the query scope, 410 for a position beyond the tenant’s head', async () => {
      const missing = await readExport(hub.url, undefined);
      assert.deepEqual(
        [missing.status, missing.problem?.['code'], missing.headers['www-authenticate']],
        [401, 'UNAUTHENTICATED', 'Bearer'],
      );
      assert.equal((await readExport(hub.url, 'not-a-key-of-this-hub-000000')).status, 401);
      const publishOnly = await readExport(hub.url, PUBLISH_ONLY_KEY);
      assert.deepEqual([publishOnly.status, publishOnly.problem?.['code']], [403, 'FORBIDDEN']);
      const beyond = await readExport(hub.url, TEST_KEYS.globex, { after: '999999' });
      assert.deepEqual(
        [beyond.status, beyond.problem?.['code'], beyond.problem?.['path']],
        [410, 'CURSOR_EXPIRED', ['after']],
      );
    });
  });
}

/** The complete lines read before the client hangs up, once it has at least `count` of them. */
async function readUntilCut(response: import('node:http').IncomingMessage, count: number): Promise<Untyped[]> {
  let text = '';
  for await (const chunk of response) {
    text += String(chunk);
    if (text.split('\n').length - 1 >= count) break;
  }
  response.destroy();
  return text
    .slice(0, text.lastIndexOf('\n'))
    .split('\n')
    .map((line) => JSON.parse(line) as Untyped);
}
