// The handler runtime on the embedded hub, seen through GraphQL: order, retries with backoff, dead
// letters and redrive, timeouts, tenant isolation, and the built-in handlers.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { PROJECTION, type CustomerOrderTotals } from '../../examples/handlers/customer-order-totals.ts';
import { exampleHandlers as builtIn } from '../../examples/handlers/index.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';

interface Call {
  handler: string;
  tenantId: string;
  eventId: string;
  n: number;
  attempt: number;
  at: number;
}

const calls: Call[] = [];
let healed = false;

/**
 * Records every call; fails while `payload.fail` says so ('always' until healed, or the first n
 * attempts), in the handler `payload.failIn` names or, without it, in every handler.
 */
const recording = (name: string, eventTypes: string[], extra: Partial<HubHandler> = {}): HubHandler => ({
  name,
  eventTypes,
  priority: 0,
  async handle(event, ctx) {
    calls.push({
      handler: name,
      tenantId: event.tenantId,
      eventId: event.id,
      n: Number(event.payload['n']),
      attempt: ctx.attempt,
      at: Date.now(),
    });
    const failIn = event.payload['failIn'];
    const fail = failIn === undefined || failIn === name ? event.payload['fail'] : undefined;
    if (fail === 'always' && !healed) throw new Error(`refusing item ${event.payload['n']}`);
    if (typeof fail === 'number' && ctx.attempt <= fail) throw new Error(`failing attempt ${ctx.attempt}`);
  },
  ...extra,
});

const slow: HubHandler = {
  name: 'slow',
  eventTypes: ['slow.item.made'],
  priority: 0,
  timeoutMs: 50,
  handle: (_event, ctx) =>
    new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
};

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('typed handlers on the embedded hub', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub(
      {
        HUB_HANDLER_BACKOFF_MS: '150,300',
        HUB_HANDLER_MAX_ATTEMPTS: '3',
        HUB_HANDLER_POLL_MS: '100',
        HUB_LEASE_MS: '1000',
      },
      { handlers: [...builtIn, recording('first', ['work.item.*']), recording('second', ['work.>']), slow] },
    );
  });
  after(() => hub.stop());

  const publish = async (type: string, payload: Record<string, unknown>, key: string = TEST_KEYS.acme) => {
    const result = await gql(hub.url, PUBLISH, { input: publishInput({ type, payload }) }, key);
    assert.equal(result.data?.publishEvent.status, 'ACCEPTED', JSON.stringify(result));
    return result.data!.publishEvent.event as { id: string; position: string };
  };
  const callsOf = (handler: string, tenantId: string) =>
    calls.filter((c) => c.handler === handler && c.tenantId === tenantId);
  const statuses = async (key: string = TEST_KEYS.acme) =>
    (await gql(hub.url, '{ handlers { name eventTypes priority processed failed lag } }', {}, key)).data?.handlers as {
      name: string;
      processed: number;
      failed: number;
      lag: number;
    }[];
  const DEAD_LETTERS = `query($filter: EventFilter) { deadLetters(filter: $filter) {
    edges { cursor node { id handler deadAt event { id type payload } error { message code attempts lastAttempt } } }
    pageInfo { hasNextPage endCursor } } }`;

  it('hands each event to every matching handler once, per tenant in position order', async () => {
    const published: { id: string; tenant: string }[] = [];
    for (let n = 0; n < 12; n++) {
      const key = n % 3 === 0 ? TEST_KEYS.globex : TEST_KEYS.acme;
      published.push({
        id: (await publish(n % 4 === 1 ? 'work.batch.closed' : 'work.item.made', { n }, key)).id,
        tenant: key === TEST_KEYS.acme ? 'acme' : 'globex',
      });
    }
    const items = published.filter((_, n) => n % 4 !== 1);
    await until(
      () =>
        callsOf('second', 'acme').length + callsOf('second', 'globex').length === 12 &&
        callsOf('first', 'acme').length + callsOf('first', 'globex').length === items.length,
      'every call',
    );
    for (const tenant of ['acme', 'globex']) {
      const expectedSecond = published.filter((p) => p.tenant === tenant).map((p) => p.id);
      assert.deepEqual(
        callsOf('second', tenant).map((c) => c.eventId),
        expectedSecond,
        `second handler, ${tenant}, in order once each`,
      );
      assert.deepEqual(
        callsOf('first', tenant).map((c) => c.eventId),
        items.filter((p) => p.tenant === tenant).map((p) => p.id),
      );
    }
    await until(async () => (await statuses()).every((s) => s.lag === 0), 'no lag');
    const acme = await statuses();
    assert.equal(acme.find((s) => s.name === 'second')?.processed, callsOf('second', 'acme').length);
    assert.equal(acme.find((s) => s.name === 'first')?.failed, 0);
  });

  it('retries a failing event with the configured backoff, holding only its own tenant and handler, then dead-letters it', async () => {
    const failing = await publish('work.item.made', { n: 100, fail: 'always', failIn: 'first' });
    const behind = await publish('work.item.made', { n: 101 });
    const otherTenant = await publish('work.item.made', { n: 102 }, TEST_KEYS.globex);
    await until(() => callsOf('first', 'acme').filter((c) => c.eventId === failing.id).length === 3, 'three attempts');
    const attempts = callsOf('first', 'acme').filter((c) => c.eventId === failing.id);
    assert.deepEqual(
      attempts.map((c) => c.attempt),
      [1, 2, 3],
    );
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 140, `first retry after ${attempts[1]!.at - attempts[0]!.at} ms`);
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 290, `second retry after ${attempts[2]!.at - attempts[1]!.at} ms`);
    await until(() => callsOf('first', 'acme').some((c) => c.eventId === behind.id), 'the event behind it');
    const behindCall = callsOf('first', 'acme').find((c) => c.eventId === behind.id)!;
    assert.ok(behindCall.at >= attempts[2]!.at, 'the line waited for the failing event');
    // Another tenant's line and another handler's line went on meanwhile.
    assert.ok(callsOf('first', 'globex').find((c) => c.eventId === otherTenant.id)!.at < attempts[2]!.at);
    assert.ok(callsOf('second', 'acme').find((c) => c.eventId === behind.id)!.at < attempts[2]!.at);

    await until(
      async () => ((await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.acme)).data?.deadLetters.edges.length ?? 0) === 1,
      'the dead letter',
    );
    const [letter] = (await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.acme)).data!.deadLetters.edges;
    assert.equal(letter.node.handler, 'first');
    assert.equal(letter.node.event.id, failing.id);
    assert.deepEqual(
      { ...letter.node.error, lastAttempt: undefined },
      { message: 'refusing item 100', code: 'HANDLER_ERROR', attempts: 3, lastAttempt: undefined },
    );
    assert.ok(Date.parse(letter.node.error.lastAttempt) >= attempts[2]!.at - 5);
    assert.equal((await statuses()).find((s) => s.name === 'first')?.failed, 1);
    // Only the caller's tenant, and the filter applies to the event.
    assert.equal((await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.globex)).data?.deadLetters.edges.length, 0);
    assert.equal(
      (await gql(hub.url, DEAD_LETTERS, { filter: { types: ['other.>'] } }, TEST_KEYS.acme)).data?.deadLetters.edges
        .length,
      0,
    );
    const byPayload = { where: [{ path: 'payload.n', op: 'EQ', value: 100 }] };
    assert.equal(
      (await gql(hub.url, DEAD_LETTERS, { filter: byPayload }, TEST_KEYS.acme)).data?.deadLetters.edges.length,
      1,
    );
  });

  it('redrives dead letters of the caller only: handled again, then gone, counted as processed', async () => {
    const [letter] = (await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.acme)).data!.deadLetters.edges;
    const REDRIVE = 'mutation($ids: [ID!]!) { redriveDeadLetters(ids: $ids) }';
    assert.equal(
      (await gql(hub.url, REDRIVE, { ids: [letter.node.id] }, TEST_KEYS.globex)).data?.redriveDeadLetters,
      0,
    );
    const before = (await statuses()).find((s) => s.name === 'first')!.processed;
    const callsBefore = calls.length;
    healed = true;
    assert.equal(
      (await gql(hub.url, REDRIVE, { ids: [letter.node.id, letter.node.id, 'unknown'] }, TEST_KEYS.acme)).data
        ?.redriveDeadLetters,
      1,
    );
    await until(
      async () => ((await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.acme)).data?.deadLetters.edges.length ?? 1) === 0,
      'the redriven letter to go',
    );
    assert.deepEqual(
      calls
        .slice(callsBefore)
        .filter((c) => c.handler === 'first')
        .map((c) => [c.eventId, c.attempt]),
      [[letter.node.event.id, 1]],
    );
    assert.equal((await statuses()).find((s) => s.name === 'first')?.processed, before + 1);
    assert.equal((await gql(hub.url, REDRIVE, { ids: [letter.node.id] }, TEST_KEYS.acme)).data?.redriveDeadLetters, 0);
  });

  it('fails an attempt that outlives the time limit with HANDLER_TIMEOUT', async () => {
    const event = await publish('slow.item.made', { n: 1 }, TEST_KEYS.globex);
    await until(
      async () => ((await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.globex)).data?.deadLetters.edges.length ?? 0) === 1,
      'the timed-out dead letter',
    );
    const [letter] = (await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.globex)).data!.deadLetters.edges;
    assert.equal(letter.node.event.id, event.id);
    assert.equal(letter.node.error.code, 'HANDLER_TIMEOUT');
    assert.equal(letter.node.error.attempts, 3);
  });

  it('asks for the query scope to read handler state and the replay scope to redrive', async () => {
    const readOnly = await gql(hub.url, 'mutation { redriveDeadLetters(ids: ["x"]) }', {}, TEST_KEYS.acmeReadOnly);
    assert.equal(readOnly.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal((await gql(hub.url, '{ handlers { name } }')).errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
  });

  it('runs the built-in handlers: a placed order requests its shipment and updates the customer totals', async () => {
    const order = {
      orderId: 'o-77',
      customerId: 'cust-9',
      currency: 'EUR',
      lines: [
        { sku: 'A', quantity: 2, unitPrice: 10 },
        { sku: 'B', quantity: 1, unitPrice: 5.5 },
      ],
    };
    const placed = await gql(
      hub.url,
      PUBLISH,
      {
        input: publishInput({ type: 'sales.order.placed', payload: order, metadata: { correlationId: 'checkout-1' } }),
      },
      TEST_KEYS.acme,
    );
    const placedId = placed.data!.publishEvent.event.id;
    const SHIPMENTS =
      '{ events(filter: { types: ["fulfilment.shipment.requested"] }) { edges { node { payload source { type id } metadata { causationId correlationId } } } } }';
    await until(
      async () => ((await gql(hub.url, SHIPMENTS, {}, TEST_KEYS.acme)).data?.events.edges.length ?? 0) === 1,
      'the shipment request',
    );
    const [shipment] = (await gql(hub.url, SHIPMENTS, {}, TEST_KEYS.acme)).data!.events.edges;
    assert.deepEqual(shipment.node, {
      payload: {
        orderId: 'o-77',
        items: [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
      },
      source: { type: 'SYSTEM', id: 'handler:request-shipment' },
      metadata: { causationId: placedId, correlationId: 'checkout-1' },
    });
    await until(
      async () => (await hub.services.handlerStore.getProjection('acme', PROJECTION, 'cust-9')) !== null,
      'the projection',
    );
    const totals = (await hub.services.handlerStore.getProjection('acme', PROJECTION, 'cust-9')) as CustomerOrderTotals;
    assert.deepEqual(totals.totals, { EUR: 25.5 });
    assert.equal(await hub.services.handlerStore.getProjection('globex', PROJECTION, 'cust-9'), null);
  });
});
