// A payload comes back exactly as it was published, keys named `__proto__` and `constructor` included:
// from the publish answer, `event`, `events`, a live subscription and a handler's event, on every store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

/** As a client's JSON body carries it: `__proto__` an own key, not a prototype. */
const PAYLOAD_JSON =
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"nested":{"__proto__":"text","constructor":2},"plain":1}';
const payload = () => JSON.parse(PAYLOAD_JSON) as Record<string, unknown>;

/** Own keys at both levels and the same JSON: deepEqual alone would not see a prototype standing in for a key. */
function assertExact(actual: unknown, where: string): void {
  const value = actual as Record<string, unknown>;
  assert.equal(JSON.stringify(value), PAYLOAD_JSON, where);
  assert.deepEqual(Object.keys(value), ['__proto__', 'constructor', 'nested', 'plain'], where);
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${where}: the payload's prototype was replaced`);
  assert.equal(
    (value as { polluted?: unknown }).polluted,
    undefined,
    `${where}: a payload key leaked through the prototype`,
  );
}

const fidelityPayloads: unknown[] = [];
const keeper: HubHandler = {
  name: 'keeper',
  eventTypes: ['fidelity.payload.sent'],
  priority: 0,
  async handle(event) {
    fidelityPayloads.push(event.payload);
  },
};

for (const kind of STORE_KINDS) {
  describe(`payload keys __proto__ and constructor on ${kind}`, () => {
    let hub: TestHub;
    before(async () => {
      fidelityPayloads.length = 0;
      hub = await startHubOn(kind, {}, { handlers: [keeper] });
    });
    after(() => hub.stop());

    it('are stored and read back exactly through the answer, event (attributes too), events, a subscription and a handler', async () => {
      const client = wsClient(hub.url, TEST_KEYS.acme);
      const sub = subscribe(client, 'subscription { events(filter: {types: ["fidelity.>"]}) { payload } }');
      for (let i = 0; i < 300 && hub.services.live.size !== 1; i++) await sleep(10);

      const input = publishInput({
        type: 'fidelity.payload.sent',
        payload: payload(),
        metadata: { attributes: payload() },
      });
      const published = await gql(hub.url, PUBLISH, { input }, TEST_KEYS.acme);
      assert.equal(published.errors, undefined, JSON.stringify(published.errors));
      const event = published.data?.['publishEvent'].event;
      assertExact(event.payload, 'publish answer');

      const byId = await gql(
        hub.url,
        'query($id: ID!) { event(id: $id) { payload metadata { attributes } } }',
        { id: event.id },
        TEST_KEYS.acme,
      );
      assertExact(byId.data?.['event'].payload, 'event(id)');
      assertExact(byId.data?.['event'].metadata.attributes, 'metadata.attributes');
      const page = await gql(
        hub.url,
        '{ events(filter: {types: ["fidelity.>"]}) { edges { node { payload } } } }',
        {},
        TEST_KEYS.acme,
      );
      assertExact(page.data?.['events'].edges[0].node.payload, 'events');
      const [live] = await sub.waitFor(1);
      assertExact(live?.data?.['events'].payload, 'subscription');
      for (let i = 0; i < 250 && fidelityPayloads.length === 0; i++) await sleep(20);
      assertExact(fidelityPayloads[0], 'handler');
      await sub.close();
      await client.dispose();
    });

    it('are kept when written as a GraphQL literal rather than a variable', async () => {
      const mutation = `mutation { publishEvent(input: {
        type: "fidelity.literal.sent", source: { type: INTEGRATION, id: "crm-sync" },
        payload: { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } }, nested: { __proto__: "text", constructor: 2 }, plain: 1 }
      }) { event { id } } }`;
      const published = await gql(hub.url, mutation, {}, TEST_KEYS.acme);
      assert.equal(published.errors, undefined, JSON.stringify(published.errors));
      const byId = await gql(
        hub.url,
        'query($id: ID!) { event(id: $id) { payload } }',
        { id: published.data?.['publishEvent'].event.id },
        TEST_KEYS.acme,
      );
      assertExact(byId.data?.['event'].payload, 'event(id) of a literal');
    });
  });
}
