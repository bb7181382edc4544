// The hub's own audit trail: denied access and replay requests as system.* events in the tenant they
// concern, searchable like any event, sampled where a caller could flood them, never with secrets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_API_KEYS, TEST_KEYS } from '../support/hub.ts';
import { allEvents } from '../support/mongo-hubs.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

interface AuditEvent {
  type: string;
  tenantId: string;
  source: { type: string; id: string };
  payload: Record<string, unknown>;
  metadata: { actor: { id: string; type: string } | null; trace: { traceId: string } | null };
}
const FIELDS = 'type tenantId source { type id } payload metadata { actor { id type } trace { traceId } }';

/** The tenant's audit events of `type`, waiting up to a second for `count` of them (they are stored in the background). */
async function auditEvents(url: string, key: string, type: string, count: number): Promise<AuditEvent[]> {
  let events: AuditEvent[] = [];
  for (let i = 0; i < 50; i++, await sleep(20)) {
    events = await allEvents<AuditEvent>(url, key, FIELDS, { types: [type] });
    if (events.length >= count) break;
  }
  return events;
}

const SECRETS = JSON.parse(TEST_API_KEYS).map((k: { key: string }) => k.key) as string[];
const assertNoSecret = (value: unknown) => {
  for (const secret of SECRETS) assert.ok(!JSON.stringify(value).includes(secret), 'an API key in an audit event');
};

describe('audit trail', () => {
  it('records a FORBIDDEN publish in the key’s tenant, once per window, counting the rest', async (t) => {
    const hub = await startTestHub({ HUB_AUDIT_SAMPLE_MS: '400' });
    t.after(() => hub.stop());
    const refuse = async () => {
      const response = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${TEST_KEYS.acmeReadOnly}`,
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          'x-request-id': 'req-denied',
        },
        body: JSON.stringify({ query: PUBLISH, variables: { input: publishInput() } }),
      });
      assert.equal(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
        'FORBIDDEN',
      );
    };
    await refuse();
    const [first] = await auditEvents(hub.url, TEST_KEYS.acme, 'system.access.denied', 1);
    assert.deepEqual(first, {
      type: 'system.access.denied',
      tenantId: 'acme',
      source: { type: 'SYSTEM', id: 'audit' },
      payload: {
        code: 'FORBIDDEN',
        scope: 'publish',
        operation: 'mutation',
        fields: ['publishEvent'],
        occurrences: 1,
        keyName: 'key#3',
        requestId: 'req-denied',
      },
      metadata: { actor: { id: 'key#3', type: 'API_KEY' }, trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' } },
    });

    await refuse();
    await refuse(); // both within the window: counted, not recorded
    await sleep(100);
    assert.equal((await auditEvents(hub.url, TEST_KEYS.acme, 'system.access.denied', 2)).length, 1);
    await sleep(400);
    await refuse();
    const events = await auditEvents(hub.url, TEST_KEYS.acme, 'system.access.denied', 2);
    assert.deepEqual(
      events.map((e) => e.payload['occurrences']),
      [1, 3],
    );
    assert.deepEqual(
      await allEvents(hub.url, TEST_KEYS.globex, 'id', { types: ['system.>'] }),
      [],
      'another tenant sees none of it',
    );
    assertNoSecret(events);
  });

  it('records a FORBIDDEN subscription, and denials without a tenant in HUB_AUDIT_TENANT only', async (t) => {
    const hub = await startTestHub({ HUB_AUDIT_TENANT: 'globex' });
    t.after(() => hub.stop());
    const client = wsClient(hub.url, TEST_KEYS.acmeReadOnly);
    const sub = subscribe(client, 'subscription { events { id } }');
    assert.ok((await sub.ended).error ?? sub.received[0]?.errors, 'the subscription is refused');
    await client.dispose();
    const [subscription] = await auditEvents(hub.url, TEST_KEYS.acme, 'system.access.denied', 1);
    assert.deepEqual(subscription?.payload, {
      code: 'FORBIDDEN',
      scope: 'subscribe',
      operation: 'subscription',
      fields: ['events'],
      occurrences: 1,
      keyName: 'key#3',
      requestId: subscription?.payload['requestId'],
    });

    // No valid key: over HTTP, and at a websocket's connection_init.
    const unknown = await gql(hub.url, '{ events { edges { cursor } } }', {}, 'not-a-key-of-this-hub-at-all');
    assert.equal(unknown.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nope-nope-nope-nope' } }));
    assert.equal(await new Promise<number>((resolve) => socket.once('close', resolve)), 4403);

    const denials = await auditEvents(hub.url, TEST_KEYS.globex, 'system.access.denied', 2);
    assert.deepEqual(
      denials.map((e) => [
        e.payload['code'],
        e.payload['operation'],
        e.payload['keyName'],
        e.payload['tenantKnown'],
        e.metadata.actor,
      ]),
      [
        ['UNAUTHENTICATED', 'query', null, false, null],
        ['UNAUTHENTICATED', 'connection_init', null, false, null],
      ],
    );
    assertNoSecret(denials);
    assert.equal(
      (await auditEvents(hub.url, TEST_KEYS.acme, 'system.access.denied', 2)).length,
      1,
      'acme holds only its own key’s denial',
    );
  });

  it('logs denials without a tenant but stores them nowhere when HUB_AUDIT_TENANT is unset', async (t) => {
    const hub = await startTestHub();
    t.after(() => hub.stop());
    assert.equal(
      (await gql(hub.url, '{ events { edges { cursor } } }', {}, 'not-a-key-of-this-hub-at-all')).errors?.[0]
        ?.extensions?.['code'],
      'UNAUTHENTICATED',
    );
    await sleep(100);
    for (const key of [TEST_KEYS.acme, TEST_KEYS.globex])
      assert.deepEqual(await allEvents(hub.url, key, 'id', { types: ['system.>'] }), []);
  });

  it('records rate-limit refusals, sampled, in the tenant over its limit', async (t) => {
    const hub = await startTestHub({ HUB_RATE_LIMIT: '1' });
    t.after(() => hub.stop());
    const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }';
    // Two events never fit a limit of one per second: refused every time, whatever the clock.
    for (let i = 0; i < 3; i++) {
      const refused = await gql(hub.url, PUBLISH_MANY, { input: [publishInput(), publishInput()] }, TEST_KEYS.acme);
      assert.equal(refused.errors?.[0]?.extensions?.['code'], 'RATE_LIMITED');
    }
    const events = await auditEvents(hub.url, TEST_KEYS.acme, 'system.rate_limit.exceeded', 1);
    await sleep(100);
    assert.equal(
      (await auditEvents(hub.url, TEST_KEYS.acme, 'system.rate_limit.exceeded', 2)).length,
      1,
      'sampled: one per window',
    );
    const [event] = events;
    assert.deepEqual(
      {
        ...event?.payload,
        retryAfterMs: typeof event?.payload['retryAfterMs'],
        requestId: typeof event?.payload['requestId'],
      },
      {
        fields: ['publishEvents'],
        limit: 1,
        retryAfterMs: 'number',
        occurrences: 1,
        keyName: 'key#1',
        requestId: 'string',
      },
    );
    assert.deepEqual(await allEvents(hub.url, TEST_KEYS.globex, 'id', { types: ['system.>'] }), []);
    assertNoSecret(events);
  });

  it('records every replay start, dry runs too, and cancel, with who asked', async (t) => {
    const hub = await startTestHub();
    t.after(() => hub.stop());
    await gql(hub.url, PUBLISH, { input: publishInput({ type: 'crm.thing.made' }) }, TEST_KEYS.acme);
    const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';
    const dry = await gql(
      hub.url,
      START,
      { input: { filter: { types: ['crm.>'] }, target: 'REPUBLISH', dryRun: true } },
      TEST_KEYS.acme,
    );
    const real = await gql(
      hub.url,
      START,
      { input: { filter: { types: ['nothing.>'] }, target: 'HANDLERS' } },
      TEST_KEYS.acme,
    );
    const cancelled = await gql(
      hub.url,
      'mutation($id: ID!) { cancelReplay(id: $id) { status } }',
      { id: real.data?.['startReplay'].id },
      TEST_KEYS.acme,
    );
    assert.equal(cancelled.errors, undefined, JSON.stringify(cancelled.errors));

    const requested = await auditEvents(hub.url, TEST_KEYS.acme, 'system.replay.requested', 2);
    assert.deepEqual(
      requested.map((e) => [
        e.payload['jobId'],
        e.payload['target'],
        e.payload['dryRun'],
        e.payload['filter'],
        e.payload['keyName'],
      ]),
      [
        [dry.data?.['startReplay'].id, 'REPUBLISH', true, { types: ['crm.>'] }, 'key#1'],
        [real.data?.['startReplay'].id, 'HANDLERS', false, { types: ['nothing.>'] }, 'key#1'],
      ],
    );
    const [cancel] = await auditEvents(hub.url, TEST_KEYS.acme, 'system.replay.cancelled', 1);
    assert.equal(cancel?.payload['jobId'], real.data?.['startReplay'].id);
    assert.equal(cancel?.payload['status'], cancelled.data?.['cancelReplay'].status);
    assert.deepEqual(await allEvents(hub.url, TEST_KEYS.globex, 'id', { types: ['system.>'] }), []);
  });
});
