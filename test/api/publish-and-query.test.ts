import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publishInput } from '../support/fixtures.ts';
import { type Connection, errorCodes, gql, PUBLISH, type PublishResult } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';

describe('publishing and searching over GraphQL', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub({ HUB_MAX_BATCH: '5' });
  });
  after(async () => {
    await hub.stop();
  });
  const acme = (query: string, variables: Record<string, unknown> = {}) =>
    gql(hub.url, query, variables, TEST_KEYS.acme);
  const globex = (query: string, variables: Record<string, unknown> = {}) =>
    gql(hub.url, query, variables, TEST_KEYS.globex);

  const PUBLISH_MANY = `mutation($input: [PublishEventInput!]!) {
    publishEvents(input: $input) { status originalEventId event { id type position } error { code message path } }
  }`;
  const EVENTS = `query($filter: EventFilter, $first: Int, $after: String, $order: SortOrder) {
    events(filter: $filter, first: $first, after: $after, order: $order) {
      edges { cursor node { id type position payload tenantId } } pageInfo { hasNextPage endCursor }
    }
  }`;

  it('returns the stored event with hub-assigned id, position and the caller tenant', async () => {
    const result = await acme(PUBLISH, { input: publishInput({ type: 'api.first.event' }) });
    const event = result.data?.publishEvent.event;
    assert.equal(result.data?.publishEvent.status, 'ACCEPTED');
    assert.equal(event.tenantId, 'acme');
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    const fetched = await acme(
      'query($id: ID!) { event(id: $id) { id type source { type id } metadata { correlationId } } }',
      { id: event.id },
    );
    assert.deepEqual(fetched.data?.event, {
      id: event.id,
      type: 'api.first.event',
      source: { type: 'INTEGRATION', id: 'crm-sync' },
      metadata: { correlationId: null },
    });
  });

  it('publishEvents answers per item in input order; a bad item is REJECTED and does not stop the others', async () => {
    const result = await acme(PUBLISH_MANY, {
      input: [
        publishInput({ type: 'batch.item.one' }),
        publishInput({ type: 'Bad Type' }),
        publishInput({ type: 'batch.item.three', payload: { $bad: 1 } }),
        publishInput({ type: 'batch.item.four', metadata: { idempotencyKey: 'b-4' } }),
        publishInput({ type: 'batch.item.four', metadata: { idempotencyKey: 'b-4' } }),
      ],
    });
    const items = result.data?.publishEvents;
    assert.deepEqual(
      items.map((r: PublishResult) => r.status),
      ['ACCEPTED', 'REJECTED', 'REJECTED', 'ACCEPTED', 'DUPLICATE'],
    );
    assert.equal(items[1].error.code, 'BAD_USER_INPUT');
    assert.deepEqual(items[1].error.path, ['type']);
    assert.deepEqual(items[2].error.path, ['payload', '$bad']);
    assert.equal(items[4].originalEventId, items[3].event.id);
    const stored = await acme(EVENTS, { filter: { types: ['batch.>'] } });
    assert.equal(stored.data?.events.edges.length, 2, 'only the accepted items were stored');
  });

  it('refuses a batch over the limit as a whole and stores nothing', async () => {
    const input = Array.from({ length: 6 }, () => publishInput({ type: 'batch.too.many' }));
    assert.deepEqual(errorCodes(await acme(PUBLISH_MANY, { input })), ['BAD_USER_INPUT']);
    const stored = await acme(EVENTS, { filter: { types: ['batch.too.many'] } });
    assert.equal(stored.data?.events.edges.length, 0);
  });

  it('pages through results with first/after in both orders without gaps or repeats', async () => {
    for (let n = 0; n < 7; n++)
      await acme(PUBLISH, { input: publishInput({ type: 'page.item.made', payload: { n } }) });
    for (const order of ['ASC', 'DESC'] as const) {
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const events: Connection<{ payload: { n: number } }> = (
          await acme(EVENTS, {
            filter: { types: ['page.item.made'] },
            first: 3,
            order,
            ...(cursor && { after: cursor }),
          })
        ).data!['events'];
        seen.push(...events.edges.map((e) => e.node.payload.n));
        if (!events.pageInfo.hasNextPage) break;
        cursor = events.pageInfo.endCursor;
      }
      assert.deepEqual(seen, order === 'ASC' ? [0, 1, 2, 3, 4, 5, 6] : [6, 5, 4, 3, 2, 1, 0]);
    }
  });

  it('rejects page sizes out of range and cursors it never handed out', async () => {
    assert.deepEqual(errorCodes(await acme(EVENTS, { first: 0 })), ['BAD_USER_INPUT']);
    assert.deepEqual(errorCodes(await acme(EVENTS, { first: 100_000 })), ['BAD_USER_INPUT']);
    assert.deepEqual(errorCodes(await acme(EVENTS, { after: 'garbage' })), ['BAD_USER_INPUT']);
  });

  it('counts events by type, source, hour and day', async () => {
    const at = (iso: string) => new Date(iso).toISOString();
    await acme(PUBLISH_MANY, {
      input: [
        publishInput({
          type: 'stats.a.made',
          timestamp: at('2026-03-01T10:15:00Z'),
          source: { type: 'CRON', id: 'nightly' },
        }),
        publishInput({
          type: 'stats.a.made',
          timestamp: at('2026-03-01T10:45:00Z'),
          source: { type: 'CRON', id: 'nightly' },
        }),
        publishInput({
          type: 'stats.b.made',
          timestamp: at('2026-03-02T08:00:00Z'),
          source: { type: 'MANUAL', id: 'ops' },
        }),
      ],
    });
    const stats = async (groupBy: string) =>
      (
        await acme('query($g: StatsGroup!) { eventStats(filter: {types: ["stats.>"]}, groupBy: $g) { key count } }', {
          g: groupBy,
        })
      ).data?.eventStats;
    assert.deepEqual(await stats('TYPE'), [
      { key: 'stats.a.made', count: 2 },
      { key: 'stats.b.made', count: 1 },
    ]);
    assert.deepEqual(await stats('SOURCE'), [
      { key: 'CRON:nightly', count: 2 },
      { key: 'MANUAL:ops', count: 1 },
    ]);
    assert.deepEqual(await stats('HOUR'), [
      { key: '2026-03-01T10:00:00Z', count: 2 },
      { key: '2026-03-02T08:00:00Z', count: 1 },
    ]);
    assert.deepEqual(await stats('DAY'), [
      { key: '2026-03-01', count: 2 },
      { key: '2026-03-02', count: 1 },
    ]);
  });

  it('never shows one tenant the events of another', async () => {
    const secret = await globex(PUBLISH, { input: publishInput({ type: 'secret.plan.made', subject: 'plan/1' }) });
    const id = secret.data?.publishEvent.event.id;
    assert.equal((await acme('query($id: ID!) { event(id: $id) { id } }', { id })).data?.event, null);
    assert.equal((await acme(EVENTS, { filter: { types: ['secret.>'] } })).data?.events.edges.length, 0);
    const stats = await acme('query { eventStats(groupBy: TYPE) { key } }');
    assert.ok(!stats.data?.eventStats.some((s: { key: string }) => s.key === 'secret.plan.made'));
    assert.equal((await globex(EVENTS, { filter: { types: ['secret.>'] } })).data?.events.edges.length, 1);
  });

  it('refuses documents with more aliases than the limit', async () => {
    const aliases = (n: number) =>
      Array.from({ length: n }, (_, i) => `a${i}: eventStats(groupBy: TYPE) { key }`).join(' ');
    assert.equal((await acme(`query { ${aliases(5)} }`)).errors, undefined, 'a few aliases pass');
    const tooMany = await acme(`query { ${aliases(40)} }`);
    assert.match(String(tooMany.errors?.[0]?.message), /aliases/i);
  });

  it('refuses documents deeper than the limit', async () => {
    const shallow = await startTestHub({ HUB_MAX_QUERY_DEPTH: '4' });
    try {
      const deep = await gql(
        shallow.url,
        'query { events { edges { node { metadata { actor { id } } } } } }',
        {},
        TEST_KEYS.acme,
      );
      assert.match(String(deep.errors?.[0]?.message), /depth/i);
      const ok = await gql(shallow.url, 'query { events { edges { node { id } } } }', {}, TEST_KEYS.acme);
      assert.equal(ok.errors, undefined);
    } finally {
      await shallow.stop();
    }
  });

  it('answers a request body over the limit with 413 and PAYLOAD_TOO_LARGE', async () => {
    const small = await startTestHub({ HUB_MAX_BODY_BYTES: '2048' });
    try {
      const response = await gql(
        small.url,
        PUBLISH,
        { input: publishInput({ payload: { blob: 'x'.repeat(4096) } }) },
        TEST_KEYS.acme,
      );
      assert.equal(response.status, 413);
      assert.deepEqual(errorCodes(response), ['PAYLOAD_TOO_LARGE']);
    } finally {
      await small.stop();
    }
  });

  it('masks unexpected errors behind a correlation id', async () => {
    const original = hub.services.store.get;
    hub.services.store.get = async () => {
      throw new Error('secret connection string mongodb://user:pw@host');
    };
    try {
      const result = await acme('query { event(id: "0190f3c4-0000-7000-8000-000000000000") { id } }');
      assert.deepEqual(errorCodes(result), ['INTERNAL_SERVER_ERROR']);
      assert.doesNotMatch(JSON.stringify(result), /secret|mongodb/);
      assert.match(String(result.errors?.[0]?.extensions?.['correlationId']), /^[0-9a-f-]{36}$/);
    } finally {
      hub.services.store.get = original;
    }
  });
});
