// The caller's W3C trace context: on the events it publishes, on what their handlers publish, and on
// the log lines of the request and of the handlers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { createLogger } from '../../src/logger.ts';
import { publishInput } from '../support/fixtures.ts';
import { PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { allEvents } from '../support/mongo-hubs.ts';
import type { Untyped } from '../support/untyped.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** A hub whose log lines land in `lines`, with a handler that logs and answers `order.placed` with `order.confirmed`. */
async function tracedHub() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const confirmer: HubHandler = {
    name: 'confirmer',
    eventTypes: ['shop.order.placed'],
    priority: 0,
    async handle(event, ctx) {
      ctx.log.info({ order: event.id }, 'confirming');
      await ctx.publish({ type: 'shop.order.confirmed', payload: {} });
    },
  };
  const hub = await startTestHub({ HUB_HANDLER_POLL_MS: '50' }, { handlers: [confirmer], log });
  return { hub, lines };
}

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.acme}`, ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { data?: Untyped; errors?: unknown[] };
}

const TRACE_FIELDS = 'type metadata { causationId trace { traceparent traceId tracestate } }';

describe('trace context', () => {
  it('stores the caller’s traceparent on its events and on the follow-ups their handlers publish, and logs the trace id', async (t) => {
    const { hub, lines } = await tracedHub();
    t.after(() => hub.stop());
    const published = await post(
      hub.url,
      { query: PUBLISH, variables: { input: publishInput({ type: 'shop.order.placed' }) } },
      {
        traceparent: TRACEPARENT,
        tracestate: 'vendor=abc',
        'x-request-id': 'req-42',
      },
    );
    assert.equal(published.data?.['publishEvent'].status, 'ACCEPTED', JSON.stringify(published));
    let events: { type: string; metadata: { causationId: string | null; trace: unknown } }[] = [];
    for (let i = 0; i < 100 && events.length < 2; i++, await sleep(20))
      events = await allEvents(hub.url, TEST_KEYS.acme, TRACE_FIELDS);
    const trace = { traceparent: TRACEPARENT, traceId: TRACE_ID, tracestate: 'vendor=abc' };
    assert.deepEqual(
      events.map((e) => [e.type, e.metadata.trace]),
      [
        ['shop.order.placed', trace],
        ['shop.order.confirmed', trace],
      ],
    );

    const handlerLine = lines.find((line) => line['msg'] === 'confirming');
    assert.equal(handlerLine?.['traceId'], TRACE_ID, 'the handler’s log names the trace');
    const requestLine = lines.find((line) => line['msg'] === 'graphql operation' && line['requestId'] === 'req-42');
    assert.ok(requestLine, 'the request is logged under its request id');
    assert.equal(requestLine['traceId'], TRACE_ID);
    assert.equal(requestLine['tenantId'], 'acme');
    assert.equal(requestLine['operation'], 'mutation');
  });

  it('stores no trace without a valid traceparent, logs a generated request id, and logs errors with their codes at info', async (t) => {
    const { hub, lines } = await tracedHub();
    t.after(() => hub.stop());
    const published = await post(
      hub.url,
      { query: PUBLISH, variables: { input: publishInput({ type: 'shop.cart.made' }) } },
      { traceparent: 'not-a-trace' },
    );
    assert.equal(published.data?.['publishEvent'].status, 'ACCEPTED');
    const [event] = await allEvents(hub.url, TEST_KEYS.acme, TRACE_FIELDS, { types: ['shop.cart.made'] });
    assert.equal(event?.metadata.trace, null);

    const denied = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_KEYS.acmeReadOnly}`,
        traceparent: TRACEPARENT,
      },
      body: JSON.stringify({ query: PUBLISH, variables: { input: publishInput() } }),
    });
    assert.equal(
      ((await denied.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
      'FORBIDDEN',
    );
    const failed = lines.find((line) => line['msg'] === 'graphql operation answered with errors');
    assert.deepEqual(failed && { errors: failed['errors'], traceId: failed['traceId'], level: failed['level'] }, {
      errors: ['FORBIDDEN'],
      traceId: TRACE_ID,
      level: 30,
    });
    const generated = lines.find((line) => line['msg'] === 'graphql operation')?.['requestId'];
    assert.match(String(generated), /^[0-9a-f-]{36}$/);
    assert.ok(!JSON.stringify(lines).includes(TEST_KEYS.acme), 'no API key in the logs');
  });

  it('logs every operation, also once the document runs compiled (after 10 runs)', async (t) => {
    const { hub, lines } = await tracedHub();
    t.after(() => hub.stop());
    for (let i = 0; i < 12; i++) {
      await post(
        hub.url,
        { query: PUBLISH, variables: { input: publishInput({ type: 'shop.order.placed' }) } },
        { authorization: `Bearer ${TEST_KEYS.acmeReadOnly}`, 'x-request-id': `req-${i}` },
      );
    }
    const refused = lines.filter((line) => line['msg'] === 'graphql operation answered with errors');
    assert.deepEqual(
      refused.map((line) => [line['requestId'], line['errors']]),
      Array.from({ length: 12 }, (_, i) => [`req-${i}`, ['FORBIDDEN']]),
    );
  });
});
