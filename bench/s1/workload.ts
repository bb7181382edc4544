/**
 * The one request every S1 server receives: a `publishEvent` mutation as a
 * client sends it (type, source, subject, a payload of ten fields, metadata
 * with a correlationId, no idempotency key), byte for byte the same each time.
 */

/** The single API key of the hub under test (tenant `bench`, publish scope). */
export const BENCH_KEY = 'bench-s1-publish-key-000000001';
export const BENCH_TENANT = 'bench';
export const BENCH_API_KEYS = JSON.stringify([{ key: BENCH_KEY, tenant: BENCH_TENANT, scopes: ['publish'] }]);

/** The largest event the bare handler accepts, as the hub's default HUB_MAX_EVENT_BYTES. */
export const MAX_EVENT_BYTES = 1_048_576;

export const PUBLISH_QUERY =
  'mutation Publish($input: PublishEventInput!) { publishEvent(input: $input) { status event { id position } } }';

export const PUBLISH_INPUT = {
  type: 'order.shipment.dispatched',
  source: { type: 'INTEGRATION', id: 'warehouse-sync' },
  subject: 'order/100234',
  payload: {
    orderId: 'ord_100234',
    customerId: 'cus_88121',
    warehouse: 'FRA-2',
    carrier: 'dhl',
    trackingNumber: 'JD014600006281230841',
    items: 3,
    weightKg: 4.25,
    express: true,
    currency: 'EUR',
    total: 129.9,
  },
  metadata: { correlationId: 'c0a8012e-7d3f-4b2a-9f1e-5b6c7d8e9f00' },
} as const;

export const REQUEST_BODY = JSON.stringify({ query: PUBLISH_QUERY, variables: { input: PUBLISH_INPUT } });

export const REQUEST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
  authorization: `Bearer ${BENCH_KEY}`,
} as const;
