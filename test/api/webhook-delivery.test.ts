// Webhook endpoints and delivery through GraphQL, on the memory store and on MongoDB, with real
// receivers on loopback (so HUB_WEBHOOK_ALLOW_PRIVATE=true): signatures, retries and dead letters,
// redrive, 410, rotation, ordering, concurrency, a hanging endpoint, ENDPOINT replays, tenancy.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type Connection, type Edge, errorCodes, gql } from '../support/graphql-client.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';
import { verifiesWith, webhookReceiver } from '../support/webhook-receiver.ts';

const KEYS = {
  acme: 'acme-webhook-admin-key-00001',
  globex: 'globex-webhook-admin-key-0001',
  acmePublish: 'acme-webhook-publish-key-0001',
};
const API_KEYS = JSON.stringify([
  { key: KEYS.acme, tenant: 'acme', scopes: ['admin'] },
  { key: KEYS.globex, tenant: 'globex', scopes: ['admin'] },
  { key: KEYS.acmePublish, tenant: 'acme', scopes: ['publish', 'query', 'replay'] },
]);
const ENV = {
  HUB_API_KEYS: API_KEYS,
  HUB_WEBHOOK_ALLOW_PRIVATE: 'true',
  HUB_WEBHOOK_BACKOFF_MS: '50,100',
  HUB_WEBHOOK_POLL_MS: '100',
  HUB_WEBHOOK_TIMEOUT_MS: '4000',
  HUB_WEBHOOK_CONCURRENCY: '3',
  HUB_REPLAY_POLL_MS: '100',
};

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { secret endpoint { id url status filter ordered description createdAt } }
  }
`;
/** A webhook delivery as DELIVERIES selects it. */
interface Delivery {
  id: string;
  event: { id: string };
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastResponse: string | null;
  nextAttemptAt: string | null;
}
const DELIVERIES = /* GraphQL */ `
  query Deliveries($id: ID!, $status: DeliveryStatus, $first: Int, $after: String) {
    webhookDeliveries(endpointId: $id, status: $status, first: $first, after: $after) {
      edges { cursor node { id event { id } status attempts lastStatusCode lastLatencyMs lastResponse nextAttemptAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const PUBLISH_MANY = /* GraphQL */ `
  mutation Publish($inputs: [PublishEventInput!]!) { publishEvents(input: $inputs) { status event { id position } } }
`;

async function until<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

for (const kind of STORE_KINDS) {
  describe(`webhook delivery on ${kind}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, ENV)));
    after(() => hub.stop());

    /** A fresh event type family per test, so tests share the hub without seeing each other's events. */
    const family = () => `wh${randomUUID().slice(0, 8)}`;

    async function create(input: Record<string, unknown>, key = KEYS.acme) {
      const response = await gql(hub.url, CREATE, { input }, key);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!['createWebhookEndpoint'] as { secret: string; endpoint: { id: string; status: string } };
    }

    async function publish(
      type: string,
      count: number,
      key = KEYS.acmePublish,
    ): Promise<{ id: string; position: string }[]> {
      const inputs = Array.from({ length: count }, (_, n) => ({
        type,
        source: { type: 'INTEGRATION', id: 'shop' },
        payload: { n },
      }));
      const response = await gql(hub.url, PUBLISH_MANY, { inputs }, key);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return (response.data!['publishEvents'] as { event: { id: string; position: string } }[]).map((r) => r.event);
    }

    async function deliveries(id: string, variables: Record<string, unknown> = {}, key = KEYS.acme) {
      const response = await gql(hub.url, DELIVERIES, { id, ...variables }, key);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return (response.data!['webhookDeliveries'] as Connection<Delivery>).edges.map((e) => e.node);
    }

    it('POSTs a matching event as a CloudEvent signed by the secret returned at creation', async (t) => {
      const receiver = await webhookReceiver(t);
      const types = family();
      const { secret, endpoint } = await create({
        url: receiver.url,
        filter: { types: [`${types}.>`] },
        description: 'orders',
      });
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'whsec_ and base64 of 32 random bytes');
      assert.equal(endpoint.status, 'ENABLED');
      const [event] = await publish(`${types}.placed`, 1);
      await publish(`not${types}.placed`, 1);
      const [request] = await until(
        () => receiver.requests,
        (r) => r.length >= 1,
        'the delivery',
      );
      assert.equal(request!.headers['webhook-id'], event!.id);
      assert.ok(
        Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000) < 60,
        'timestamp in seconds',
      );
      assert.ok(verifiesWith(secret, request!), 'the signature verifies with the secret');
      assert.equal(
        verifiesWith(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, request!),
        false,
        'and with no other',
      );
      assert.equal(request!.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
      assert.deepEqual(
        { ...request!.json, time: typeof request!.json['time'] },
        {
          specversion: '1.0',
          id: event!.id,
          source: 'shop',
          type: `${types}.placed`,
          time: 'string',
          datacontenttype: 'application/json',
          data: { n: 0 },
          position: event!.position,
          sourcetype: 'INTEGRATION',
          dataversion: '1.0',
        },
      );
      const [delivery] = await until(
        () => deliveries(endpoint.id),
        (d) => d[0]?.['status'] === 'DELIVERED',
        'DELIVERED',
      );
      assert.deepEqual(
        { ...delivery, lastLatencyMs: typeof delivery!['lastLatencyMs'], id: typeof delivery!['id'] },
        {
          id: 'string',
          event: { id: event!.id },
          status: 'DELIVERED',
          attempts: 1,
          lastStatusCode: 204,
          lastLatencyMs: 'number',
          lastResponse: '',
          nextAttemptAt: null,
        },
      );
      await sleep(300);
      assert.equal(receiver.requests.length, 1, 'the other tenant-less types were not sent, and nothing twice');
    });

    it('retries a 500 on the backoff schedule, then dead-letters it; a redrive delivers it', async (t) => {
      const receiver = await webhookReceiver(t);
      let healed = false;
      receiver.respond = () => (healed ? 200 : { status: 500, body: `boom ${'x'.repeat(2000)}` });
      const types = family();
      const { endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.>`] } });
      const [event] = await publish(`${types}.placed`, 1);
      const [dead] = await until(
        () => deliveries(endpoint.id, { status: 'DEAD' }),
        (d) => d.length === 1,
        'DEAD',
      );
      assert.equal(dead!['attempts'], 3, 'the first attempt and one per backoff entry');
      assert.equal(dead!['lastStatusCode'], 500);
      assert.equal(dead!['lastResponse'], `boom ${'x'.repeat(1019)}`, 'the first 1 KB of the answer');
      assert.equal(dead!['nextAttemptAt'], null);
      assert.deepEqual(
        receiver.requests.map((r) => r.headers['webhook-id']),
        [event!.id, event!.id, event!.id],
      );
      const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
      assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95, `waited the backoff between attempts: ${gaps}`);

      healed = true;
      const redrive = await gql(
        hub.url,
        'mutation R($ids: [ID!]!) { redriveWebhookDeliveries(ids: $ids) }',
        { ids: [dead!['id'], randomUUID()] },
        KEYS.acme,
      );
      assert.equal(redrive.data?.['redriveWebhookDeliveries'], 1);
      const [delivered] = await until(
        () => deliveries(endpoint.id),
        (d) => d[0]?.['status'] === 'DELIVERED',
        'DELIVERED after the redrive',
      );
      assert.equal(delivered!['attempts'], 1);
      assert.equal(receiver.requests.length, 4);
    });

    it('disables an endpoint that answers 410 and records system.webhook.disabled', async (t) => {
      const receiver = await webhookReceiver(t);
      receiver.respond = () => 410;
      const types = family();
      const { endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.>`] } });
      await publish(`${types}.placed`, 2);
      const listed = await until(
        async () =>
          (
            (await gql(hub.url, '{ webhookEndpoints { id status } }', {}, KEYS.acme)).data!['webhookEndpoints'] as {
              id: string;
              status: string;
            }[]
          ).find((e) => e.id === endpoint.id),
        (e) => e?.status === 'DISABLED',
        'DISABLED',
      );
      assert.equal(listed!.status, 'DISABLED');
      const recorded = await until(
        async () =>
          (
            await gql(
              hub.url,
              '{ events(filter: { types: ["system.webhook.disabled"] }, first: 10) { edges { node { payload source { type id } } } } }',
              {},
              KEYS.acme,
            )
          ).data!['events'].edges as Edge<{ payload: Record<string, unknown>; source: unknown }>[],
        (edges) => edges.some((e) => e.node.payload.endpointId === endpoint.id),
        'system.webhook.disabled',
      );
      const mine = recorded.find((e) => e.node.payload.endpointId === endpoint.id)!.node;
      assert.deepEqual(mine.source, { type: 'SYSTEM', id: 'webhooks' });
      assert.equal(mine.payload.statusCode, 410);
      await sleep(300);
      assert.equal(receiver.requests.length, 1, 'nothing more is sent to a disabled endpoint');
    });

    it('signs with the old and the new secret side by side after a rotation', async (t) => {
      const receiver = await webhookReceiver(t);
      const types = family();
      const { secret: old, endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.>`] } });
      const rotated = await gql(
        hub.url,
        'mutation R($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }',
        { id: endpoint.id },
        KEYS.acme,
      );
      const fresh = rotated.data!['rotateWebhookSecret'].secret as string;
      assert.notEqual(fresh, old);
      await publish(`${types}.placed`, 1);
      const [request] = await until(
        () => receiver.requests,
        (r) => r.length === 1,
        'the delivery',
      );
      const signatures = String(request!.headers['webhook-signature']).split(' ');
      assert.equal(signatures.length, 2, 'two signatures during the overlap');
      assert.ok(verifiesWith(old, request!) && verifiesWith(fresh, request!));
      assert.ok(
        verifiesWith(fresh, { ...request!, headers: { ...request!.headers, 'webhook-signature': signatures[0] } }),
        'the new one first',
      );
    });

    it('delivers an ordered endpoint in position order, the next waiting for the retries of the one before', async (t) => {
      const receiver = await webhookReceiver(t);
      receiver.respond = (request) => (request.n <= 2 ? 503 : 200);
      const types = family();
      await create({ url: receiver.url, filter: { types: [`${types}.>`] }, ordered: true });
      const events = await publish(`${types}.placed`, 5);
      await until(
        () => receiver.requests,
        (r) => r.length === 7,
        'five deliveries and two retries',
      );
      const ids = receiver.requests.map((r) => r.headers['webhook-id']);
      assert.deepEqual(ids, [events[0]!.id, events[0]!.id, ...events.map((e) => e.id)]);
    });

    it('sends up to HUB_WEBHOOK_CONCURRENCY deliveries at once to an unordered endpoint, and no more', async (t) => {
      const receiver = await webhookReceiver(t);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      receiver.respond = async () => {
        await released;
        return 200;
      };
      const types = family();
      const { endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.>`] }, ordered: false });
      await publish(`${types}.placed`, 6);
      await until(
        () => receiver.open,
        (open) => open === 3,
        'three requests under way',
      );
      await sleep(300);
      assert.equal(receiver.maxOpen, 3);
      release();
      await until(
        () => deliveries(endpoint.id, { status: 'DELIVERED' }),
        (d) => d.length === 6,
        'all six DELIVERED',
      );
      assert.equal(receiver.maxOpen, 3);
    });

    it("keeps delivering a tenant's endpoint while another tenant's endpoint hangs", async (t) => {
      const hanging = await webhookReceiver(t);
      hanging.respond = () => 'hang';
      const healthy = await webhookReceiver(t);
      const types = family();
      await create({ url: hanging.url, filter: { types: [`${types}.>`] } }, KEYS.globex);
      await create({ url: healthy.url, filter: { types: [`${types}.>`] } });
      await publish(`${types}.placed`, 1, KEYS.globex);
      await until(
        () => hanging.open,
        (open) => open === 1,
        'the hanging request',
      );
      await publish(`${types}.placed`, 3);
      await until(
        () => healthy.requests,
        (r) => r.length === 3,
        "acme's three deliveries",
      );
      assert.equal(hanging.open, 1, "globex's request is still hanging: acme did not wait for it");
      assert.equal(hanging.requests.length, 1);
    });

    it("re-sends history to an endpoint with an ENDPOINT replay, where both the replay's and the endpoint's filters match", async (t) => {
      const receiver = await webhookReceiver(t);
      const types = family();
      const { endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.a.>`] } });
      const sent = await publish(`${types}.a.placed`, 2);
      await publish(`${types}.b.placed`, 2);
      await until(
        () => receiver.requests,
        (r) => r.length === 2,
        'the live deliveries',
      );
      const start = await gql(
        hub.url,
        'mutation S($input: StartReplayInput!) { startReplay(input: $input) { id target endpointId } }',
        { input: { filter: { types: [`${types}.>`] }, target: 'ENDPOINT', endpointId: endpoint.id } },
        KEYS.acme,
      );
      assert.equal(start.errors, undefined, JSON.stringify(start.errors));
      assert.equal(start.data!['startReplay'].endpointId, endpoint.id);
      await until(
        () => receiver.requests,
        (r) => r.length === 4,
        'the replayed deliveries',
      );
      assert.deepEqual(
        receiver.requests.slice(2).map((r) => r.headers['webhook-id']),
        sent.map((e) => e.id),
      );
      const job = await until(
        async () =>
          (
            await gql(
              hub.url,
              'query J($id: ID!) { replayJob(id: $id) { status processed } }',
              { id: start.data!['startReplay'].id },
              KEYS.acme,
            )
          ).data!['replayJob'],
        (j) => j.status === 'COMPLETED',
        'the job to complete',
      );
      assert.equal(job.processed, 2);
    });

    it('refuses URLs that are not http or https, and bad input, with BAD_USER_INPUT', async () => {
      for (const input of [
        { url: 'ftp://files.example/x' },
        { url: 'not a url' },
        { url: 'https://a.example/', rateLimit: -1 },
        { url: 'https://a.example/', description: 'x'.repeat(501) },
      ]) {
        const response = await gql(hub.url, CREATE, { input }, KEYS.acme);
        assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT'], JSON.stringify(input));
      }
      const filter = await gql(
        hub.url,
        CREATE,
        { input: { url: 'https://a.example/', filter: { types: ['a'.repeat(20_000)] } } },
        KEYS.acme,
      );
      assert.deepEqual(errorCodes(filter), ['BAD_USER_INPUT'], 'the filter budget applies');
    });

    it("answers another tenant's endpoint ids as not found, and needs the admin scope", async (t) => {
      const receiver = await webhookReceiver(t);
      receiver.respond = () => 500;
      const types = family();
      const { endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.>`] } });
      await publish(`${types}.placed`, 1);
      const [dead] = await until(
        () => deliveries(endpoint.id, { status: 'DEAD' }),
        (d) => d.length === 1,
        'DEAD',
      );
      const id = { id: endpoint.id };
      const globex = (query: string, variables: Record<string, unknown> = id) =>
        gql(hub.url, query, variables, KEYS.globex);
      const listed = await globex('{ webhookEndpoints { id } }', {});
      assert.ok(!(listed.data!['webhookEndpoints'] as { id: string }[]).some((e) => e.id === endpoint.id));
      for (const mutation of [
        'mutation M($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "mine" }) { id } }',
        'mutation M($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
        'mutation M($id: ID!) { disableWebhookEndpoint(id: $id) { id } }',
        'mutation M($id: ID!) { enableWebhookEndpoint(id: $id) { id } }',
        'mutation M($id: ID!) { deleteWebhookEndpoint(id: $id) }',
        'query Q($id: ID!) { webhookDeliveries(endpointId: $id) { edges { cursor } } }',
        'mutation M($id: ID!) { startReplay(input: { filter: {}, target: ENDPOINT, endpointId: $id }) { id } }',
      ]) {
        assert.deepEqual(errorCodes(await globex(mutation)), ['NOT_FOUND'], mutation);
      }
      const redrive = await globex('mutation R($ids: [ID!]!) { redriveWebhookDeliveries(ids: $ids) }', {
        ids: [dead!['id']],
      });
      assert.equal(redrive.data!['redriveWebhookDeliveries'], 0);
      assert.equal((await deliveries(endpoint.id, { status: 'DEAD' })).length, 1, 'still DEAD');
      assert.deepEqual(errorCodes(await gql(hub.url, '{ webhookEndpoints { id } }', {}, KEYS.acmePublish)), [
        'FORBIDDEN',
      ]);
      assert.deepEqual(errorCodes(await gql(hub.url, CREATE, { input: { url: receiver.url } }, KEYS.acmePublish)), [
        'FORBIDDEN',
      ]);
    });

    it('updates, disables, enables and deletes an endpoint; an enabled one catches up on what matched meanwhile', async (t) => {
      const receiver = await webhookReceiver(t);
      const types = family();
      const { endpoint } = await create({ url: receiver.url, filter: { types: [`${types}.>`] } });
      const disable = await gql(
        hub.url,
        'mutation M($id: ID!) { disableWebhookEndpoint(id: $id) { status } }',
        { id: endpoint.id },
        KEYS.acme,
      );
      assert.equal(disable.data!['disableWebhookEndpoint'].status, 'DISABLED');
      const [event] = await publish(`${types}.placed`, 1);
      await sleep(300);
      assert.equal(receiver.requests.length, 0, 'nothing sent while disabled');
      const update = await gql(
        hub.url,
        'mutation M($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "v2", ordered: false }) { description ordered url } }',
        { id: endpoint.id },
        KEYS.acme,
      );
      assert.deepEqual(update.data!['updateWebhookEndpoint'], { description: 'v2', ordered: false, url: receiver.url });
      await gql(
        hub.url,
        'mutation M($id: ID!) { enableWebhookEndpoint(id: $id) { status } }',
        { id: endpoint.id },
        KEYS.acme,
      );
      const [request] = await until(
        () => receiver.requests,
        (r) => r.length === 1,
        'the delivery after enabling',
      );
      assert.equal(request!.headers['webhook-id'], event!.id);
      const removed = await gql(
        hub.url,
        'mutation M($id: ID!) { deleteWebhookEndpoint(id: $id) }',
        { id: endpoint.id },
        KEYS.acme,
      );
      assert.equal(removed.data!['deleteWebhookEndpoint'], true);
      assert.deepEqual(errorCodes(await gql(hub.url, DELIVERIES, { id: endpoint.id }, KEYS.acme)), ['NOT_FOUND']);
    });
  });
}
