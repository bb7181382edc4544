// The fields the console reads, each usable on its own, on the memory store and on MongoDB:
// Event.causedBy / Event.caused, correlation(id), previewFilter and idempotencyRecord, all in the
// caller's tenant only (another tenant's ids answer null or empty).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { until } from '../support/until.ts';

const TREE = `query($id: ID!) { event(id: $id) { id
  causedBy { id }
  caused(first: 10) { edges { cursor node { id type metadata { causationId correlationId } } } pageInfo { hasNextPage endCursor } } } }`;
const CORRELATION =
  'query($id: String!, $first: Int, $after: String) { correlation(id: $id, first: $first, after: $after) { edges { node { id position } } pageInfo { hasNextPage endCursor } } }';
const PREVIEW =
  'query($filter: EventFilter!, $samples: Int) { previewFilter(filter: $filter, samples: $samples) { count capped samples { id position } } }';
const RECORD =
  'query($key: String!) { idempotencyRecord(key: $key) { key original { id } duplicates lastDuplicateAt expiresAt } }';

/** Publishes a follow-up for every order: the effect the causation tree must show. */
const shipper: HubHandler = {
  name: 'cq-shipper',
  eventTypes: ['cq.order.placed'],
  priority: 0,
  async handle(event, ctx) {
    await ctx.publish({
      type: 'cq.shipment.requested',
      payload: { order: event.id },
      metadata: { idempotencyKey: `ship:${event.id}` },
    });
  },
};

for (const kind of STORE_KINDS) {
  describe(`the console's fields, on ${kind}`, () => {
    let hub: TestHub;
    const publish = async (input: Record<string, unknown>, key: string = TEST_KEYS.acme) => {
      const answer = await gql(hub.url, PUBLISH, { input: publishInput(input) }, key);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      return answer.data!['publishEvent'];
    };
    before(async () => (hub = await startHubOn(kind, { HUB_PREVIEW_LIMIT: '3' }, { handlers: [shipper] })));
    after(() => hub.stop());

    it("shows an event's cause and its effects: the follow-up a handler published", async () => {
      const order = (await publish({ type: 'cq.order.placed', metadata: { correlationId: 'order-1' } })).event;
      const tree = await until(
        () => gql(hub.url, TREE, { id: order.id }, TEST_KEYS.acme),
        (answer) => answer.data?.['event']?.caused.edges.length === 1,
        'the follow-up',
      );
      assert.equal(tree.data!['event'].causedBy, null, 'the order was caused by nothing');
      const [effect] = tree.data!['event'].caused.edges;
      assert.equal(effect.node.type, 'cq.shipment.requested');
      assert.deepEqual(effect.node.metadata, { causationId: order.id, correlationId: 'order-1' });
      assert.equal(tree.data!['event'].caused.pageInfo.hasNextPage, false);
      const back = await gql(hub.url, TREE, { id: effect.node.id }, TEST_KEYS.acme);
      assert.equal(back.data!['event'].causedBy.id, order.id);
    });

    it("never crosses tenants: another tenant's cause is null, its effects are not listed, its correlation is empty", async () => {
      const mine = (await publish({ metadata: { correlationId: 'shared-corr' } })).event;
      const theirs = (
        await publish({ metadata: { causationId: mine.id, correlationId: 'shared-corr' } }, TEST_KEYS.globex)
      ).event;
      const fromGlobex = await gql(hub.url, TREE, { id: theirs.id }, TEST_KEYS.globex);
      assert.equal(fromGlobex.data!['event'].causedBy, null);
      const fromAcme = await gql(hub.url, TREE, { id: mine.id }, TEST_KEYS.acme);
      assert.deepEqual(fromAcme.data!['event'].caused.edges, []);
      const acmeCorrelation = await gql(hub.url, CORRELATION, { id: 'shared-corr' }, TEST_KEYS.acme);
      assert.deepEqual(
        acmeCorrelation.data!['correlation'].edges.map((e: { node: { id: string } }) => e.node.id),
        [mine.id],
      );
      assert.equal((await gql(hub.url, TREE, { id: mine.id }, TEST_KEYS.globex)).data!['event'], null);
    });

    it('lists every event of a correlation id in position order, page by page', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await publish({ payload: { i }, metadata: { correlationId: 'paged-corr' } })).event.id);
      const first = await gql(hub.url, CORRELATION, { id: 'paged-corr', first: 3 }, TEST_KEYS.acme);
      const second = await gql(
        hub.url,
        CORRELATION,
        { id: 'paged-corr', first: 3, after: first.data!['correlation'].pageInfo.endCursor },
        TEST_KEYS.acme,
      );
      const pages = [first, second].map((answer) => answer.data!['correlation']);
      assert.deepEqual(
        pages.flatMap((p) => p.edges.map((e: { node: { id: string } }) => e.node.id)),
        ids,
      );
      assert.deepEqual(
        pages.map((p) => p.pageInfo.hasNextPage),
        [true, false],
      );
      const positions = pages.flatMap((p) =>
        p.edges.map((e: { node: { position: string } }) => Number(e.node.position)),
      );
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
      );
    });

    it('refuses a correlation id longer than a filter id may be, and a page over HUB_MAX_PAGE_SIZE', async () => {
      const long = await gql(hub.url, CORRELATION, { id: 'x'.repeat(600) }, TEST_KEYS.acme);
      assert.deepEqual(errorCodes(long), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await gql(hub.url, CORRELATION, { id: 'c', first: 1001 }, TEST_KEYS.acme)), [
        'BAD_USER_INPUT',
      ]);
    });

    it('bounds the Event.caused lookups of one request', async () => {
      const batch = Array.from({ length: 101 }, (_, i) => publishInput({ type: 'cq.many.made', payload: { i } }));
      await gql(
        hub.url,
        'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }',
        { input: batch },
        TEST_KEYS.acme,
      );
      const query = (first: number) =>
        `{ events(first: ${first}, filter: { types: ["cq.many.made"] }) { edges { node { caused { edges { node { id } } } } } } }`;
      assert.equal((await gql(hub.url, query(100), {}, TEST_KEYS.acme)).errors, undefined);
      const refused = await gql(hub.url, query(101), {}, TEST_KEYS.acme);
      assert.ok(errorCodes(refused).includes('BAD_USER_INPUT'), JSON.stringify(refused.errors?.[0]));
    });

    it('previews a filter: the count up to HUB_PREVIEW_LIMIT, then capped, and the first events in position order', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await publish({ type: 'cq.preview.made', payload: { i } })).event.id);
      const two = await gql(
        hub.url,
        PREVIEW,
        { filter: { types: ['cq.preview.*'] }, samples: 5 },
        TEST_KEYS.acmeReadOnly,
      );
      assert.deepEqual(two.data!['previewFilter'].count, 2);
      assert.equal(two.data!['previewFilter'].capped, false);
      assert.deepEqual(
        two.data!['previewFilter'].samples.map((e: { id: string }) => e.id),
        ids,
      );
      for (let i = 2; i < 5; i++) await publish({ type: 'cq.preview.made', payload: { i } });
      const capped = await gql(hub.url, PREVIEW, { filter: { types: ['cq.preview.*'] }, samples: 1 }, TEST_KEYS.acme);
      assert.deepEqual(capped.data!['previewFilter'], {
        count: 3,
        capped: true,
        samples: [{ id: ids[0], position: capped.data!['previewFilter'].samples[0].position }],
      });
      const theirs = await gql(hub.url, PREVIEW, { filter: { types: ['cq.preview.*'] } }, TEST_KEYS.globex);
      assert.deepEqual(theirs.data!['previewFilter'], { count: 0, capped: false, samples: [] });
    });

    it('previews without leaving a job or an audit event, and refuses bad samples and oversized filters', async () => {
      const jobs = await gql(hub.url, '{ replayJobs { edges { node { id } } } }', {}, TEST_KEYS.acme);
      await gql(hub.url, PREVIEW, { filter: { types: ['cq.>'] } }, TEST_KEYS.acme);
      assert.deepEqual(
        (await gql(hub.url, '{ replayJobs { edges { node { id } } } }', {}, TEST_KEYS.acme)).data,
        jobs.data,
      );
      const system = await gql(
        hub.url,
        '{ events(filter: { types: ["system.>"] }) { edges { node { type } } } }',
        {},
        TEST_KEYS.acme,
      );
      assert.deepEqual(system.data!['events'].edges, []);
      assert.deepEqual(errorCodes(await gql(hub.url, PREVIEW, { filter: {}, samples: 101 }, TEST_KEYS.acme)), [
        'BAD_USER_INPUT',
      ]);
      const huge = {
        where: [
          { path: 'payload.a', op: 'IN', value: Array.from({ length: 900 }, (_, i) => `value-${i}-padding-padding`) },
        ],
      };
      assert.deepEqual(errorCodes(await gql(hub.url, PREVIEW, { filter: huge }, TEST_KEYS.acme)), ['BAD_USER_INPUT']);
    });

    it("counts a key's duplicates inside its window and names the original event, in the caller's tenant only", async () => {
      const original = (await publish({ metadata: { idempotencyKey: 'cq-key' } })).event;
      const before = Date.now();
      assert.equal((await publish({ metadata: { idempotencyKey: 'cq-key' } })).status, 'DUPLICATE');
      assert.equal((await publish({ metadata: { idempotencyKey: 'cq-key' } })).status, 'DUPLICATE');
      const record = (await gql(hub.url, RECORD, { key: 'cq-key' }, TEST_KEYS.acmeReadOnly)).data!['idempotencyRecord'];
      assert.equal(record.key, 'cq-key');
      assert.equal(record.original.id, original.id);
      assert.equal(record.duplicates, 2);
      assert.ok(Date.parse(record.lastDuplicateAt) >= before - 1000);
      assert.ok(Date.parse(record.expiresAt) > Date.now() + 86_000_000, 'remembered for the 24 h window');
      assert.equal((await gql(hub.url, RECORD, { key: 'cq-key' }, TEST_KEYS.globex)).data!['idempotencyRecord'], null);
      assert.equal(
        (await gql(hub.url, RECORD, { key: 'never-used' }, TEST_KEYS.acme)).data!['idempotencyRecord'],
        null,
      );
      assert.deepEqual(errorCodes(await gql(hub.url, RECORD, { key: 'k'.repeat(257) }, TEST_KEYS.acme)), [
        'BAD_USER_INPUT',
      ]);
      const fresh = (await publish({ metadata: { idempotencyKey: 'cq-fresh' } })).event;
      assert.deepEqual(
        (await gql(hub.url, RECORD, { key: 'cq-fresh' }, TEST_KEYS.acme)).data!['idempotencyRecord'].duplicates,
        0,
      );
      assert.ok(fresh.id);
    });
  });
}
