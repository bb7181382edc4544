import type { PendingEvent } from '../../src/events/event.ts';
import type { EventFilter } from '../../src/filter/index.ts';

/**
 * Eight events, labelled a–h, that between them exercise every filter field
 * and operator. Stored in this order, so positions follow label order.
 */
export const FILTER_FIXTURES = {
  a: {
    type: 'order.created',
    source: { type: 'WORKFLOW', id: 'wf-1' },
    subject: 'order/1',
    timestamp: new Date('2024-03-01T10:15:00.000Z'),
    payload: { amount: 100, currency: 'EUR', tags: ['vip', 'new'], customer: { id: 'c1', country: 'DE' } },
    metadata: {
      correlationId: 'corr-1',
      actor: { id: 'u1', type: 'user' },
      context: { type: 'USER', id: 'u1' },
      attributes: { channel: 'web' },
    },
  },
  b: {
    type: 'order.updated',
    source: { type: 'WORKFLOW', id: 'wf-1' },
    subject: 'order/1',
    timestamp: new Date('2024-03-01T10:45:00.000Z'),
    payload: { amount: 250.5, currency: 'USD', tags: ['new'], flag: true },
    metadata: { correlationId: 'corr-1', causationId: 'cause-a' },
  },
  c: {
    type: 'order.shipped',
    source: { type: 'INTEGRATION', id: 'shopify' },
    subject: 'order/2',
    timestamp: new Date('2024-03-01T11:05:00.000Z'),
    payload: { amount: 40, currency: 'EUR', note: null, count: [1, 2, 3] },
    metadata: { correlationId: 'corr-2', actor: { id: 'u2', type: 'service' } },
  },
  d: {
    type: 'lead.contact.ingested',
    source: { type: 'INTEGRATION', id: 'hubspot' },
    timestamp: new Date('2024-03-01T23:59:59.999Z'),
    payload: { email: 'x@example.com', score: 7, name: 'Ada Lovelace' },
    metadata: {},
  },
  e: {
    type: 'lead.created',
    source: { type: 'EXTERNAL', id: 'form-1' },
    subject: 'lead/9',
    timestamp: new Date('2024-03-02T00:00:00.000Z'),
    payload: { score: '7', name: 'ada' },
    metadata: { causationId: 'cause-a' },
  },
  f: {
    type: 'system.replay.started',
    source: { type: 'SYSTEM', id: 'hub' },
    timestamp: new Date('2024-03-02T08:30:00.000Z'),
    payload: {},
    metadata: { attributes: { channel: 'api' } },
  },
  g: {
    type: 'order_v2.created',
    source: { type: 'CRON', id: 'nightly' },
    timestamp: new Date('2024-03-03T01:00:00.000Z'),
    payload: {
      amount: -5,
      items: [
        { sku: 'A', qty: 2 },
        { sku: 'B', qty: 1 },
      ],
    },
    metadata: {},
  },
  h: {
    type: 'order.created',
    source: { type: 'MANUAL', id: 'console' },
    subject: 'order/3',
    timestamp: new Date('2024-03-03T02:00:00.000Z'),
    payload: { amount: 100, currency: 'eur' },
    metadata: {},
  },
} satisfies Record<string, Partial<PendingEvent>>;

export type Label = keyof typeof FILTER_FIXTURES;
export const LABELS = Object.keys(FILTER_FIXTURES) as Label[];

export interface FilterCase {
  name: string;
  filter: EventFilter | null;
  /** In position (= label) order. */
  expected: Label[];
}

const where = (path: string, op: string, value?: unknown): EventFilter =>
  ({ where: [{ path, op, ...(value !== undefined && { value }) }] }) as EventFilter;

/** Each filter field and FieldOp, with the events MongoDB semantics select. */
export const FILTER_CASES: FilterCase[] = [
  { name: 'no filter selects everything', filter: null, expected: LABELS },
  { name: 'an empty filter selects everything', filter: {}, expected: LABELS },
  { name: 'types: an exact type', filter: { types: ['order.created'] }, expected: ['a', 'h'] },
  { name: 'types: * stands for exactly one segment', filter: { types: ['order.*'] }, expected: ['a', 'b', 'c', 'h'] },
  { name: 'types: a leading *', filter: { types: ['*.created'] }, expected: ['a', 'e', 'g', 'h'] },
  { name: 'types: a trailing > stands for one or more segments', filter: { types: ['lead.>'] }, expected: ['d', 'e'] },
  { name: 'types: > alone selects every type', filter: { types: ['>'] }, expected: LABELS },
  { name: 'types are OR-ed', filter: { types: ['lead.created', 'system.>'] }, expected: ['e', 'f'] },
  { name: 'patterns: EXACT', filter: { patterns: [{ kind: 'EXACT', value: 'lead.created' }] }, expected: ['e'] },
  {
    name: 'patterns: PREFIX is a plain string prefix',
    filter: { patterns: [{ kind: 'PREFIX', value: 'order' }] },
    expected: ['a', 'b', 'c', 'g', 'h'],
  },
  {
    name: 'patterns: PREFIX with a dot',
    filter: { patterns: [{ kind: 'PREFIX', value: 'lead.' }] },
    expected: ['d', 'e'],
  },
  {
    name: 'patterns: WILDCARD',
    filter: { patterns: [{ kind: 'WILDCARD', value: 'order.*' }] },
    expected: ['a', 'b', 'c', 'h'],
  },
  {
    name: 'patterns: REGEX is unanchored',
    filter: { patterns: [{ kind: 'REGEX', value: 'created$' }] },
    expected: ['a', 'e', 'g', 'h'],
  },
  {
    name: 'patterns: REGEX alternation',
    filter: { patterns: [{ kind: 'REGEX', value: '^order\\.(shipped|updated)$' }] },
    expected: ['b', 'c'],
  },
  {
    name: 'types and patterns are merged with OR',
    filter: { types: ['lead.created'], patterns: [{ kind: 'EXACT', value: 'order.shipped' }] },
    expected: ['c', 'e'],
  },
  { name: 'sourceTypes: one', filter: { sourceTypes: ['INTEGRATION'] }, expected: ['c', 'd'] },
  { name: 'sourceTypes: several are OR-ed', filter: { sourceTypes: ['WORKFLOW', 'CRON'] }, expected: ['a', 'b', 'g'] },
  { name: 'sourceId', filter: { sourceId: 'wf-1' }, expected: ['a', 'b'] },
  { name: 'subject', filter: { subject: 'order/1' }, expected: ['a', 'b'] },
  { name: 'correlationId', filter: { correlationId: 'corr-1' }, expected: ['a', 'b'] },
  { name: 'causationId', filter: { causationId: 'cause-a' }, expected: ['b', 'e'] },
  { name: 'actorId', filter: { actorId: 'u2' }, expected: ['c'] },
  { name: 'a field value nothing has', filter: { correlationId: 'nope' }, expected: [] },
  {
    name: 'from and to: [from, to)',
    filter: { from: new Date('2024-03-01T11:00:00Z'), to: new Date('2024-03-02T00:00:00Z') },
    expected: ['c', 'd'],
  },
  {
    name: 'from alone is inclusive',
    filter: { from: new Date('2024-03-02T00:00:00Z') },
    expected: ['e', 'f', 'g', 'h'],
  },
  { name: 'to alone is exclusive', filter: { to: new Date('2024-03-01T10:45:00Z') }, expected: ['a'] },
  { name: 'EQ a string', filter: where('payload.currency', 'EQ', 'EUR'), expected: ['a', 'c'] },
  {
    name: 'EQ an integer matches integers and equal doubles',
    filter: where('payload.amount', 'EQ', 100),
    expected: ['a', 'h'],
  },
  { name: 'EQ a double', filter: where('payload.amount', 'EQ', 250.5), expected: ['b'] },
  { name: 'EQ a boolean', filter: where('payload.flag', 'EQ', true), expected: ['b'] },
  { name: 'EQ null matches null and missing', filter: where('payload.note', 'EQ', null), expected: LABELS },
  { name: 'EQ a scalar matches an array element', filter: where('payload.tags', 'EQ', 'new'), expected: ['a', 'b'] },
  { name: 'EQ an array matches that array exactly', filter: where('payload.tags', 'EQ', ['new']), expected: ['b'] },
  { name: 'EQ through an array of objects', filter: where('payload.items.sku', 'EQ', 'B'), expected: ['g'] },
  { name: 'EQ on a $.-prefixed nested path', filter: where('$.payload.customer.country', 'EQ', 'DE'), expected: ['a'] },
  { name: 'EQ on metadata', filter: where('metadata.attributes.channel', 'EQ', 'api'), expected: ['f'] },
  { name: 'EQ on metadata.actor.type', filter: where('metadata.actor.type', 'EQ', 'service'), expected: ['c'] },
  { name: 'EQ on source', filter: where('source.id', 'EQ', 'shopify'), expected: ['c'] },
  {
    name: 'NE includes events without the field',
    filter: where('payload.currency', 'NE', 'EUR'),
    expected: ['b', 'd', 'e', 'f', 'g', 'h'],
  },
  {
    name: 'NE on an array excludes arrays holding the value',
    filter: where('payload.tags', 'NE', 'new'),
    expected: ['c', 'd', 'e', 'f', 'g', 'h'],
  },
  { name: 'GT a number', filter: where('payload.amount', 'GT', 99), expected: ['a', 'b', 'h'] },
  { name: 'GTE a number', filter: where('payload.amount', 'GTE', 100), expected: ['a', 'b', 'h'] },
  { name: 'LT a number', filter: where('payload.amount', 'LT', 0), expected: ['g'] },
  { name: 'LTE a number', filter: where('payload.amount', 'LTE', 40), expected: ['c', 'g'] },
  { name: 'GT a number skips strings (type brackets)', filter: where('payload.score', 'GT', 5), expected: ['d'] },
  { name: 'GT a string compares code units', filter: where('payload.name', 'GT', 'Z'), expected: ['e'] },
  { name: 'GT on an array matches when an element does', filter: where('payload.count', 'GT', 2), expected: ['c'] },
  {
    name: 'two conditions on one path are AND-ed',
    filter: {
      where: [
        { path: 'payload.amount', op: 'GTE', value: 40 },
        { path: 'payload.amount', op: 'LT', value: 100 },
      ],
    },
    expected: ['c'],
  },
  { name: 'IN strings', filter: where('payload.currency', 'IN', ['USD', 'eur']), expected: ['b', 'h'] },
  { name: 'IN numbers', filter: where('payload.amount', 'IN', [40, -5]), expected: ['c', 'g'] },
  { name: 'IN on an array field', filter: where('payload.tags', 'IN', ['vip']), expected: ['a'] },
  { name: 'CONTAINS a substring, case-sensitive', filter: where('payload.name', 'CONTAINS', 'Love'), expected: ['d'] },
  {
    name: 'CONTAINS regex characters literally',
    filter: where('payload.email', 'CONTAINS', 'x@example.'),
    expected: ['d'],
  },
  {
    name: 'CONTAINS a substring of an array element',
    filter: where('payload.tags', 'CONTAINS', 'vi'),
    expected: ['a'],
  },
  { name: 'CONTAINS a number in an array', filter: where('payload.count', 'CONTAINS', 2), expected: ['c'] },
  { name: 'EXISTS true', filter: where('payload.flag', 'EXISTS', true), expected: ['b'] },
  { name: 'EXISTS true counts a null value', filter: where('payload.note', 'EXISTS', true), expected: ['c'] },
  { name: 'EXISTS false', filter: where('payload.amount', 'EXISTS', false), expected: ['d', 'e', 'f'] },
  { name: 'EXISTS false on subject', filter: where('subject', 'EXISTS', false), expected: ['d', 'f', 'g'] },
  {
    name: 'every kind of clause together',
    filter: {
      types: ['order.*'],
      sourceTypes: ['WORKFLOW'],
      where: [{ path: 'payload.amount', op: 'GT', value: 200 }],
    },
    expected: ['b'],
  },
];
