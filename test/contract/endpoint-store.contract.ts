// The EndpointStore contract: the guarantees of src/delivery/endpoint-store.ts, run on every adapter.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { newEventId } from '../../src/events/ids.ts';
import {
  DeliveryStatus,
  deliveryId,
  newDelivery,
  type EndpointStore,
  type WebhookEndpoint,
} from '../../src/delivery/endpoint-store.ts';

/** A fresh, empty store; cleanup registered on `t`. */
export type MakeEndpointStore = (t: TestContext) => Promise<EndpointStore>;

const T0 = Date.parse('2024-05-01T08:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

/** The one builder for endpoints in these tests: an ENABLED ordered endpoint of tenant acme, overridable. */
export function webhookEndpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: newEventId(),
    tenantId: 'acme',
    url: 'https://hooks.example/in',
    description: 'orders to the warehouse',
    filter: { types: ['order.>'], where: [{ path: 'payload.$odd', op: 'EQ', value: { $gt: 1 } }] },
    ordered: true,
    rateLimit: 0,
    status: 'ENABLED',
    createdAt: at(0),
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    ...overrides,
  };
}

/** Deliveries of events at `positions` to `endpoint`, due at T0. */
const deliveriesAt = (endpoint: WebhookEndpoint, positions: number[]) =>
  positions.map((position) => newDelivery(endpoint, { eventId: newEventId(), position }, at(0)));

export function runEndpointStoreContract(name: string, make: MakeEndpointStore): void {
  describe(`EndpointStore contract on ${name}`, () => {
    it('stores an endpoint and reads it back as given, only in its own tenant', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      assert.deepEqual(await store.endpoint('acme', endpoint.id), endpoint);
      assert.equal(await store.endpoint('globex', endpoint.id), null, "another tenant's endpoint is absent");
      assert.deepEqual(await store.endpoints('acme'), [endpoint]);
      assert.deepEqual(await store.endpoints('globex'), []);
    });

    it('updates and deletes an endpoint only in its own tenant', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      assert.equal(await store.updateEndpoint('globex', endpoint.id, { status: 'DISABLED' }), null);
      assert.equal(await store.deleteEndpoint('globex', endpoint.id), false);
      const updated = await store.updateEndpoint('acme', endpoint.id, {
        status: 'DISABLED',
        url: 'https://hooks.example/v2',
      });
      assert.deepEqual(updated, { ...endpoint, status: 'DISABLED', url: 'https://hooks.example/v2' });
      assert.equal(await store.deleteEndpoint('acme', endpoint.id), true);
      assert.equal(await store.endpoint('acme', endpoint.id), null);
      assert.equal(await store.deleteEndpoint('acme', endpoint.id), false);
    });

    it('lists enabled endpoints of every tenant, oldest first, up to the limit', async (t) => {
      const store = await make(t);
      const first = webhookEndpoint();
      const off = webhookEndpoint({ status: 'DISABLED' });
      const other = webhookEndpoint({ tenantId: 'globex' });
      for (const endpoint of [first, off, other]) await store.createEndpoint(endpoint);
      assert.deepEqual(
        (await store.enabledEndpoints(10)).map((e) => e.id),
        [first.id, other.id],
      );
      assert.deepEqual(
        (await store.enabledEndpoints(1)).map((e) => e.id),
        [first.id],
      );
    });

    it('keeps a checkpoint per endpoint, 0 before any', async (t) => {
      const store = await make(t);
      assert.equal(await store.checkpoint('e1'), 0);
      await store.saveCheckpoint('e1', 42);
      await store.saveCheckpoint('e1', 43);
      assert.equal(await store.checkpoint('e1'), 43);
      assert.equal(await store.checkpoint('e2'), 0);
    });

    it('enqueues a delivery once however often it is enqueued, and lists open ones in position order', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      const [d3, d1, d2] = deliveriesAt(endpoint, [3, 1, 2]);
      await store.enqueue([d3!, d1!]);
      await store.saveDelivery({ ...d1!, status: DeliveryStatus.FAILED, attempts: 1, nextAttemptAt: at(5000) });
      await store.enqueue([d1!, d2!]); // again after a crash: the attempt recorded stays
      const open = await store.open(endpoint.id, { limit: 10 });
      assert.deepEqual(
        open.map((d) => d.position),
        [1, 2, 3],
      );
      assert.equal(open[0]!.attempts, 1);
      assert.deepEqual(
        (await store.open(endpoint.id, { limit: 2 })).map((d) => d.position),
        [1, 2],
      );
      assert.deepEqual(
        (await store.open(endpoint.id, { limit: 10, dueBy: at(0) })).map((d) => d.position),
        [2, 3],
        'the FAILED one is not due yet',
      );
      assert.equal(await store.countOpen(endpoint.id, 10), 3);
      assert.equal(await store.countOpen(endpoint.id, 2), 2);
    });

    it('leaves DELIVERED and DEAD deliveries out of the open ones', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      const [a, b, c] = deliveriesAt(endpoint, [1, 2, 3]);
      await store.enqueue([a!, b!, c!]);
      const { nextAttemptAt: _a, ...delivered } = {
        ...a!,
        status: DeliveryStatus.DELIVERED,
        attempts: 1,
        lastStatusCode: 204,
        lastLatencyMs: 12,
        lastResponse: '',
        updatedAt: at(1),
      };
      const { nextAttemptAt: _b, ...dead } = {
        ...b!,
        status: DeliveryStatus.DEAD,
        attempts: 8,
        lastStatusCode: 500,
        lastResponse: 'boom',
        updatedAt: at(2),
      };
      await store.saveDelivery(delivered);
      await store.saveDelivery(dead);
      assert.deepEqual(
        (await store.open(endpoint.id, { limit: 10 })).map((d) => d.position),
        [3],
      );
      const page = await store.deliveries('acme', endpoint.id, { first: 10 });
      assert.deepEqual(
        page.deliveries.map((d) => d.position),
        [3, 2, 1],
        'newest event first',
      );
      assert.deepEqual(page.deliveries[2], delivered);
    });

    it('pages deliveries by status and position, only to the tenant that owns the endpoint', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      await store.enqueue(deliveriesAt(endpoint, [1, 2, 3, 4, 5]));
      const first = await store.deliveries('acme', endpoint.id, { first: 2 });
      assert.deepEqual(
        first.deliveries.map((d) => d.position),
        [5, 4],
      );
      assert.equal(first.hasNextPage, true);
      const last = await store.deliveries('acme', endpoint.id, { first: 5, after: 4 });
      assert.deepEqual(
        last.deliveries.map((d) => d.position),
        [3, 2, 1],
      );
      assert.equal(last.hasNextPage, false);
      assert.deepEqual(
        (await store.deliveries('acme', endpoint.id, { first: 5, status: DeliveryStatus.DEAD })).deliveries,
        [],
      );
      assert.deepEqual(await store.deliveries('globex', endpoint.id, { first: 5 }), {
        deliveries: [],
        hasNextPage: false,
      });
    });

    it('redrives only DEAD deliveries of the tenant, and names their endpoints', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      const [a, b] = deliveriesAt(endpoint, [1, 2]);
      await store.enqueue([a!, b!]);
      const { nextAttemptAt: _n, ...dead } = {
        ...a!,
        status: DeliveryStatus.DEAD,
        attempts: 3,
        lastStatusCode: 500,
        updatedAt: at(1),
      };
      await store.saveDelivery(dead);
      assert.deepEqual(
        await store.redrive('globex', [a!.id, b!.id], at(10)),
        { queued: 0, endpointIds: [] },
        "another tenant's ids change nothing",
      );
      assert.deepEqual(await store.redrive('acme', [a!.id, b!.id, 'unknown'], at(10)), {
        queued: 1,
        endpointIds: [endpoint.id],
      });
      const [redriven] = await store.open(endpoint.id, { limit: 1 });
      assert.equal(redriven!.status, DeliveryStatus.PENDING);
      assert.equal(redriven!.attempts, 0);
      assert.deepEqual(redriven!.nextAttemptAt, at(10));
      assert.deepEqual(await store.redrive('acme', [a!.id], at(20)), { queued: 0, endpointIds: [] }, 'no longer DEAD');
    });

    it('requeues events of the tenant for a replay, whatever their deliveries became', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      const [a] = deliveriesAt(endpoint, [1]);
      await store.enqueue([a!]);
      const { nextAttemptAt: _n, ...delivered } = {
        ...a!,
        status: DeliveryStatus.DELIVERED,
        attempts: 2,
        lastStatusCode: 200,
        updatedAt: at(1),
      };
      await store.saveDelivery(delivered);
      const fresh = { eventId: newEventId(), position: 2 };
      assert.equal(await store.requeue('globex', endpoint.id, [{ eventId: a!.eventId, position: 1 }], at(50)), 0);
      assert.equal(await store.requeue('acme', endpoint.id, [{ eventId: a!.eventId, position: 1 }, fresh], at(50)), 2);
      const open = await store.open(endpoint.id, { limit: 10, dueBy: at(50) });
      assert.deepEqual(
        open.map((d) => [d.position, d.status, d.attempts]),
        [
          [1, 'PENDING', 0],
          [2, 'PENDING', 0],
        ],
      );
      assert.equal(open[1]!.id, deliveryId(endpoint.id, fresh.eventId));
    });

    it('drops the deliveries of a deleted endpoint, and a late save does not bring one back', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      const [a] = deliveriesAt(endpoint, [1]);
      await store.enqueue([a!]);
      await store.saveCheckpoint(endpoint.id, 1);
      await store.deleteEndpoint('acme', endpoint.id);
      await store.saveDelivery({ ...a!, status: DeliveryStatus.DELIVERED });
      assert.deepEqual(await store.open(endpoint.id, { limit: 10 }), []);
      assert.equal(await store.countOpen(endpoint.id, 10), 0);
      assert.equal(await store.checkpoint(endpoint.id), 0);
    });

    it('drops DELIVERED deliveries older than the cut-off, and nothing else', async (t) => {
      const store = await make(t);
      const endpoint = webhookEndpoint();
      await store.createEndpoint(endpoint);
      const [old, recent, dead] = deliveriesAt(endpoint, [1, 2, 3]);
      await store.enqueue([old!, recent!, dead!]);
      await store.saveDelivery({ ...old!, status: DeliveryStatus.DELIVERED, updatedAt: at(1) });
      await store.saveDelivery({ ...recent!, status: DeliveryStatus.DELIVERED, updatedAt: at(100) });
      await store.saveDelivery({ ...dead!, status: DeliveryStatus.DEAD, updatedAt: at(1) });
      assert.equal(await store.dropDelivered(at(50), 10), 1);
      const left = await store.deliveries('acme', endpoint.id, { first: 10 });
      assert.deepEqual(
        left.deliveries.map((d) => d.position),
        [3, 2],
      );
    });
  });
}
