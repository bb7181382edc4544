import type { PendingEvent } from '../../src/events/event.ts';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';
import { toUnpositioned, withPosition, type StoredEvent } from '../../src/store/mongodb/documents.ts';

/**
 * The S2 workload: batches of events as an integration syncing orders would
 * publish them (four types of one domain, an INTEGRATION source, a subject, a
 * payload of ten fields, a correlationId and, by default, an idempotency key
 * per event). Every event of a run is distinct; nothing repeats a key.
 */

export const BENCH_KEY = 'bench-s2-publish-key-000000001';
export const BENCH_TENANT = 'bench';
export const BENCH_API_KEYS = JSON.stringify([{ key: BENCH_KEY, tenant: BENCH_TENANT, scopes: ['publish', 'query'] }]);
/** The hub's default HUB_MAX_EVENT_BYTES, for building the raw side's documents with the hub's own validation. */
const MAX_EVENT_BYTES = 1_048_576;

export const PUBLISH_EVENTS =
  'mutation PublishBatch($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id position } error { code message } } }';

const TYPES = ['order.created', 'order.payment.captured', 'order.shipment.dispatched', 'order.delivered'] as const;
const CARRIERS = ['dhl', 'ups', 'dpd', 'gls'] as const;

export interface WorkloadOptions {
  /** Tells this run's events apart from any other's (keys, ids in the payload). */
  runId: string;
  /** Whether each event carries an idempotency key (the hub then claims it first). */
  keyed: boolean;
}

/** Event `n` of a run, as a publishEvents input item. */
export function eventInput(n: number, { runId, keyed }: WorkloadOptions) {
  const order = 100_000 + Math.floor(n / TYPES.length);
  return {
    type: TYPES[n % TYPES.length]!,
    source: { type: 'INTEGRATION', id: 'shop-sync' },
    subject: `order/${order}`,
    payload: {
      orderId: `ord_${order}`,
      customerId: `cus_${(n * 7919) % 50_000}`,
      warehouse: n % 3 === 0 ? 'FRA-2' : 'BER-1',
      carrier: CARRIERS[n % CARRIERS.length]!,
      trackingNumber: `JD0146${String(n).padStart(14, '0')}`,
      items: 1 + (n % 7),
      weightKg: 0.5 + (n % 40) / 4,
      express: n % 5 === 0,
      currency: 'EUR',
      total: Math.round(((n * 37) % 100_000) + 99) / 100,
    },
    metadata: {
      correlationId: `${runId}-corr-${Math.floor(n / TYPES.length)}`,
      ...(keyed && { idempotencyKey: `${runId}-evt-${n}` }),
    },
  };
}

export type EventInput = ReturnType<typeof eventInput>;

/** Batch `b` of `size` events. */
export const batchInputs = (b: number, size: number, options: WorkloadOptions): EventInput[] =>
  Array.from({ length: size }, (_, i) => eventInput(b * size + i, options));

export const publishBody = (inputs: readonly EventInput[]): string =>
  JSON.stringify({ query: PUBLISH_EVENTS, variables: { input: inputs } });

/**
 * The same batch as a CloudEvents batch for `POST /events` (docs/INGEST.md): the payload as data,
 * an INTEGRATION source, and an id unique in the run, which the door makes the idempotency key
 * (so a CloudEvent is always keyed, whatever `keyed` says).
 */
export const cloudEventsBody = (inputs: readonly EventInput[], runId: string): string =>
  JSON.stringify(
    inputs.map((input) => ({
      specversion: '1.0',
      id: `${runId}-ce-${input.payload.trackingNumber}`,
      source: input.source.id,
      sourcetype: input.source.type,
      type: input.type,
      subject: input.subject,
      correlationid: input.metadata.correlationId,
      data: input.payload,
    })),
  );

/**
 * The archive documents the hub would store for these inputs: its own
 * validation (`toPendingEvent`: id, receivedAt, defaults) and its own mapping
 * (`toUnpositioned` + `withPosition`), so the raw side writes the same shape.
 */
export function archiveDocuments(inputs: readonly EventInput[], firstPosition: number): StoredEvent[] {
  const now = new Date();
  return inputs.map((input, i) => {
    const event: PendingEvent = toPendingEvent(input, { tenantId: BENCH_TENANT, now, maxEventBytes: MAX_EVENT_BYTES });
    return withPosition(toUnpositioned(event), firstPosition + i);
  });
}
