import type { PendingEvent } from '../../src/events/event.ts';
import type { EventFilter } from '../../src/filter/index.ts';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';

/**
 * The S7 data and searches. The data: a tenant's business events over 30 days
 * (twelve types in five domains, several sources, payloads with an amount, a
 * currency, a country and a status, an actor on most), evenly spread in time.
 * The searches: what an auditor asks, each a type wildcard, a condition on a
 * payload field and a time range, newest first, one page of 100.
 */

export const BENCH_KEY = 'bench-s7-query-key-00000000001';
export const BENCH_TENANT = 'audit';
export const BENCH_API_KEYS = JSON.stringify([{ key: BENCH_KEY, tenant: BENCH_TENANT, scopes: ['query'] }]);

const TYPES = [
  'order.created',
  'order.payment.captured',
  'order.refunded',
  'order.shipment.dispatched',
  'invoice.issued',
  'invoice.paid',
  'invoice.overdue',
  'customer.created',
  'customer.address.updated',
  'lead.contact.ingested',
  'opportunity.created',
  'opportunity.stage.changed',
] as const;
const SOURCES = [
  { type: 'INTEGRATION', id: 'shop-sync' },
  { type: 'WORKFLOW', id: 'billing' },
  { type: 'MANUAL', id: 'backoffice' },
  { type: 'WEBHOOK', id: 'psp' },
  { type: 'CRON', id: 'dunning' },
] as const;
const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
const COUNTRIES = ['DE', 'FR', 'NL', 'AT', 'GB', 'US', 'ES'] as const;
const STATUSES = ['open', 'settled', 'disputed', 'cancelled'] as const;

/** The first day of the data; events are spread evenly over `DAYS` days from here. */
export const START = Date.UTC(2026, 9, 1);
export const DAYS = 30;
const DAY_MS = 86_400_000;

/** Event `n` of `total` as a publish input (with its own `timestamp`). */
export function seedInput(n: number, total: number) {
  const type = TYPES[(n * 5) % TYPES.length]!;
  const customer = (n * 7919) % 4000;
  return {
    type,
    source: SOURCES[n % SOURCES.length]!,
    timestamp: new Date(START + Math.floor((n * DAYS * DAY_MS) / total)),
    subject: `${type.split('.')[0]}/${10_000 + (n % 9000)}`,
    payload: {
      amount: Math.round(((n * 104_729) % 200_000) + 100) / 100,
      currency: CURRENCIES[n % CURRENCIES.length]!,
      country: COUNTRIES[(n * 3) % COUNTRIES.length]!,
      status: STATUSES[(n * 11) % STATUSES.length]!,
      customerId: `cus_${customer}`,
      lines: 1 + (n % 9),
      note: `event ${n} of the audit data set`,
    },
    metadata: {
      correlationId: `corr-${Math.floor(n / 3)}`,
      ...(n % 4 !== 0 && { actor: { id: `user_${n % 40}`, type: 'user' } }),
    },
  };
}

/** Events `from` … `to - 1` through the hub's own validation, ready for `store.append`. */
export function seedEvents(from: number, to: number, total: number): PendingEvent[] {
  const now = new Date();
  const events: PendingEvent[] = [];
  for (let n = from; n < to; n++) {
    events.push(toPendingEvent(seedInput(n, total), { tenantId: BENCH_TENANT, now, maxEventBytes: 1_048_576 }));
  }
  return events;
}

const day = (d: number) => new Date(START + d * DAY_MS);

/** The auditor's searches; the runs cycle through them, the same sequence on both sides. */
export const SEARCHES: { name: string; filter: EventFilter }[] = [
  {
    name: 'large EUR orders, 10 days',
    filter: {
      types: ['order.>'],
      where: [
        { path: 'payload.amount', op: 'GTE', value: 500 },
        { path: 'payload.currency', op: 'EQ', value: 'EUR' },
      ],
      from: day(10),
      to: day(20),
    },
  },
  {
    name: 'disputed invoices, 2 weeks',
    filter: {
      types: ['invoice.*'],
      where: [{ path: 'payload.status', op: 'IN', value: ['disputed', 'open'] }],
      from: day(3),
      to: day(17),
    },
  },
  {
    name: 'high-value anything.created in DE/AT, 3 weeks',
    filter: {
      types: ['*.created'],
      where: [
        { path: 'payload.country', op: 'IN', value: ['DE', 'AT'] },
        { path: 'payload.amount', op: 'GT', value: 1000 },
      ],
      from: day(7),
      to: day(28),
    },
  },
];

/** What an auditor's client selects: the whole event and the page info. */
export const EVENTS_QUERY = `query Audit($filter: EventFilter, $first: Int) {
  events(filter: $filter, first: $first) {
    edges { cursor node { id type version tenantId timestamp receivedAt subject payload position
      source { type id } metadata { correlationId causationId idempotencyKey actor { id type } attributes } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The GraphQL variables of a search: dates as ISO strings, as a client sends them. */
export const searchVariables = (filter: EventFilter, first: number) => ({
  first,
  filter: { ...filter, from: filter.from?.toISOString(), to: filter.to?.toISOString() },
});
