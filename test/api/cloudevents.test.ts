// CloudEvents 1.0 over HTTP at POST /events: the binding's three content modes, each mapped onto a
// hub event and published through the same ingest as GraphQL (validation, idempotency, limits, audit).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryRateLimitStore } from '../../src/limits/memory-rate-limit-store.ts';
import { postTo, type DoorAnswer } from '../support/door-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { storedEvents } from '../support/stored-events.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A binary-mode CloudEvent's headers, overridable (a value of '' leaves the header out). */
function binaryHeaders(overrides: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': 'evt-1',
    'ce-source': 'https://crm.example/hooks',
    'ce-type': 'crm.contact.created',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ''));
}

/** A structured-mode CloudEvent (JSON format), overridable attribute by attribute. */
function cloudEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/hooks',
    type: 'crm.contact.created',
    data: { contactId: 'c-1' },
    ...overrides,
  };
}

const binary = (
  url: string,
  headers: Record<string, string>,
  data: unknown = { contactId: 'c-1' },
  key: string = TEST_KEYS.acme,
) => postTo(url, '/events', headers, typeof data === 'string' ? data : JSON.stringify(data), key);
const structured = (url: string, event: unknown, key: string = TEST_KEYS.acme) =>
  postTo(url, '/events', { 'content-type': 'application/cloudevents+json; charset=utf-8' }, JSON.stringify(event), key);
const batch = (url: string, events: unknown[], key: string = TEST_KEYS.acme) =>
  postTo(url, '/events', { 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(events), key);

function refused(answer: DoorAnswer, status: number, code: string, path?: string[]): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(answer.body.code, code);
  if (path) assert.deepEqual(answer.body.path, path);
}

for (const kind of STORE_KINDS) {
  describe(`CloudEvents at POST /events, on ${kind}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind)));
    after(() => hub.stop());

    it('stores a binary-mode event with its attributes mapped onto the hub event, and answers 202 with its id and position', async () => {
      const headers = binaryHeaders({
        'ce-id': 'bin-1',
        'ce-type': 'crm.contact.updated',
        'ce-subject': 'contact%2Fc-1',
        'ce-time': '2026-01-05T10:00:00+02:00',
        'ce-correlationid': 'corr-1',
        'ce-traceparent': TRACEPARENT,
        'ce-region': 'eu%20west',
      });
      const answer = await binary(hub.url, headers, { contactId: 'c-1', name: 'Ada' });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      assert.equal(answer.body.status, 'ACCEPTED');
      assert.equal(answer.body.originalEventId, null);
      const [event] = await storedEvents(hub, 'acme', ['crm.contact.updated'], 1);
      assert.equal(answer.body.id, event!.id);
      assert.equal(answer.body.position, String(event!.position));
      assert.deepEqual(event!.source, { type: 'EXTERNAL', id: 'https://crm.example/hooks' });
      assert.equal(event!.subject, 'contact/c-1');
      assert.equal(event!.timestamp.getTime(), Date.parse('2026-01-05T08:00:00Z'));
      assert.deepEqual(event!.payload, { contactId: 'c-1', name: 'Ada' });
      assert.equal(event!.metadata.correlationId, 'corr-1');
      assert.equal(event!.metadata.trace?.traceparent, TRACEPARENT);
      assert.match(event!.metadata.idempotencyKey!, /^ce:[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(event!.metadata.attributes, { cloudevents: { id: 'bin-1', region: 'eu west' } });
    });

    it('stores a structured-mode event, taking the source type from the sourcetype extension', async () => {
      const answer = await structured(
        hub.url,
        cloudEvent({
          id: 'str-1',
          type: 'crm.deal.won',
          sourcetype: 'integration',
          causationid: 'cause-1',
          subject: null,
        }),
      );
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      const [event] = await storedEvents(hub, 'acme', ['crm.deal.won'], 1);
      assert.deepEqual(event!.source, { type: 'INTEGRATION', id: '/crm/hooks' });
      assert.equal(event!.subject, undefined, 'a null attribute is unset');
      assert.equal(event!.metadata.causationId, 'cause-1');
      assert.deepEqual(event!.payload, { contactId: 'c-1' });
    });

    it('answers a batch per item in order: bad items refused in their place with their path, the valid ones stored', async () => {
      const answer = await batch(hub.url, [
        cloudEvent({ id: 'b-1', type: 'crm.batch.first', traceparent: TRACEPARENT }),
        cloudEvent({ id: undefined, type: 'crm.batch.noid' }),
        cloudEvent({ id: 'b-3', type: 'Not A Type' }),
        cloudEvent({ id: 'b-4', type: 'crm.batch.bad_data', data: { $where: 1 } }),
        cloudEvent({ id: 'b-5', type: 'crm.batch.last' }),
      ]);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      assert.deepEqual(
        answer.body.map((item: { status: string }) => item.status),
        ['ACCEPTED', 'REJECTED', 'REJECTED', 'REJECTED', 'ACCEPTED'],
      );
      assert.deepEqual(answer.body[1].problem.path, ['id']);
      assert.deepEqual(
        [answer.body[2].problem.code, answer.body[2].problem.status, answer.body[2].problem.path],
        ['BAD_USER_INPUT', 400, ['type']],
      );
      assert.deepEqual(answer.body[3].problem.path, ['data', '$where']);
      const stored = await storedEvents(
        hub,
        'acme',
        ['crm.batch.first', 'crm.batch.noid', 'crm.batch.bad_data', 'crm.batch.last'],
        2,
      );
      assert.deepEqual(
        stored.map((event) => event.type),
        ['crm.batch.first', 'crm.batch.last'],
      );
      assert.deepEqual(
        stored.map((event) => event.id),
        [answer.body[0].id, answer.body[4].id],
      );
      assert.deepEqual(
        stored.map((event) => event.metadata.trace?.traceparent),
        [TRACEPARENT, undefined],
        'each event keeps the trace it names',
      );
    });

    it('stores the same CloudEvent once: sent again it answers DUPLICATE with the original id; the same id from another source is another event', async () => {
      const event = cloudEvent({ id: 'dup-1', type: 'crm.dup.sent' });
      const first = await structured(hub.url, event);
      const again = await binary(
        hub.url,
        binaryHeaders({ 'ce-id': 'dup-1', 'ce-source': '/crm/hooks', 'ce-type': 'crm.dup.sent' }),
      );
      assert.deepEqual([first.status, first.body.status], [202, 'ACCEPTED']);
      assert.deepEqual(again.body, { status: 'DUPLICATE', id: null, position: null, originalEventId: first.body.id });
      assert.equal(again.status, 202);
      const other = await structured(hub.url, { ...event, source: '/billing' });
      assert.equal(other.body.status, 'ACCEPTED');
      assert.equal((await storedEvents(hub, 'acme', ['crm.dup.sent'], 3)).length, 2);
    });
  });
}

describe('CloudEvents refusals at POST /events', () => {
  let hub: TestHub;
  before(async () => (hub = await startTestHub({ HUB_MAX_BODY_BYTES: '4096', HUB_MAX_BATCH: '3' })));
  after(() => hub.stop());

  for (const attribute of ['id', 'source', 'type', 'specversion']) {
    it(`refuses a binary-mode event without ${attribute} with 400 and the attribute's path`, async () => {
      refused(await binary(hub.url, binaryHeaders({ [`ce-${attribute}`]: '' })), 400, 'BAD_USER_INPUT', [attribute]);
    });
    it(`refuses a structured-mode event without ${attribute} with 400 and the attribute's path`, async () => {
      refused(await structured(hub.url, cloudEvent({ [attribute]: undefined })), 400, 'BAD_USER_INPUT', [attribute]);
    });
  }

  it('refuses a specversion other than 1.0 with 400', async () => {
    refused(await binary(hub.url, binaryHeaders({ 'ce-specversion': '0.3' })), 400, 'BAD_USER_INPUT', ['specversion']);
    refused(await structured(hub.url, cloudEvent({ specversion: '2.0' })), 400, 'BAD_USER_INPUT', ['specversion']);
  });

  it('refuses a type outside the hub naming rules and a time without a zone with their paths', async () => {
    refused(await binary(hub.url, binaryHeaders({ 'ce-type': 'com.Example.Thing' })), 400, 'BAD_USER_INPUT', ['type']);
    refused(await structured(hub.url, cloudEvent({ time: '2026-01-05T10:00:00' })), 400, 'BAD_USER_INPUT', ['time']);
  });

  it('refuses data that is not JSON with 415: octet-stream and text bodies, data_base64, a non-JSON datacontenttype, another event format', async () => {
    refused(
      await binary(hub.url, binaryHeaders({ 'content-type': 'application/octet-stream' }), 'raw bytes'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    refused(
      await binary(hub.url, binaryHeaders({ 'content-type': 'text/plain' }), 'hello'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    refused(
      await structured(hub.url, cloudEvent({ data: undefined, data_base64: 'aGVsbG8=' })),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    refused(
      await structured(hub.url, cloudEvent({ datacontenttype: 'application/xml', data: '<a/>' })),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    refused(
      await postTo(hub.url, '/events', { 'content-type': 'application/cloudevents+avro' }, 'x', TEST_KEYS.acme),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const answer = await binary(hub.url, binaryHeaders({ 'content-type': 'application/vnd.crm+json' }));
    assert.equal(answer.status, 202, 'a +json type is JSON');
  });

  it('refuses a body that is not JSON, and a batch that is not an array or holds more than HUB_MAX_BATCH events, with 400', async () => {
    refused(await binary(hub.url, binaryHeaders(), '{"contactId":'), 400, 'BAD_USER_INPUT', ['data']);
    refused(
      await postTo(hub.url, '/events', { 'content-type': 'application/cloudevents-batch+json' }, '{}', TEST_KEYS.acme),
      400,
      'BAD_USER_INPUT',
      [],
    );
    refused(
      await batch(
        hub.url,
        [1, 2, 3, 4].map((i) => cloudEvent({ id: `many-${i}` })),
      ),
      400,
      'BAD_USER_INPUT',
      [],
    );
  });

  it('refuses a caller without a key with 401 and a key without the publish scope with 403', async () => {
    const anonymous = await binary(hub.url, binaryHeaders(), {}, '');
    refused(anonymous, 401, 'UNAUTHENTICATED');
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
    refused(await binary(hub.url, binaryHeaders(), {}, TEST_KEYS.acmeReadOnly), 403, 'FORBIDDEN');
  });

  it('refuses a body over HUB_MAX_BODY_BYTES with 413 and stores nothing of it', async () => {
    refused(
      await binary(hub.url, binaryHeaders({ 'ce-type': 'crm.big.sent' }), { text: 'x'.repeat(5000) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    assert.equal((await storedEvents(hub, 'acme', ['crm.big.sent'])).length, 0);
  });
});

describe('CloudEvents over the rate limit', () => {
  it('answers 429 with Retry-After, stores nothing of the refused request and records system.rate_limit.exceeded', async (t) => {
    // minute windows, so that a slow machine cannot end one between two requests
    const hub = await startTestHub(
      { HUB_RATE_LIMIT: '2' },
      { rateLimits: createMemoryRateLimitStore({ windowSeconds: 60 }) },
    );
    t.after(() => hub.stop());
    assert.equal((await batch(hub.url, [cloudEvent({ id: 'r-1' }), cloudEvent({ id: 'r-2' })])).status, 202);
    const limited = await binary(hub.url, binaryHeaders({ 'ce-id': 'r-3', 'ce-type': 'crm.limit.refused' }));
    refused(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await storedEvents(hub as TestHub, 'acme', ['crm.limit.refused'])).length, 0);
    const [audit] = await storedEvents(hub as TestHub, 'acme', ['system.rate_limit.exceeded'], 1);
    assert.deepEqual(audit?.payload['fields'], ['POST /events']);
  });
});
