import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, createMatcher, type EventFilter } from '../../src/filter/index.ts';
import { storedEvent } from './filter-fixtures.ts';

const complex: EventFilter = {
  types: ['crm.contact.created', 'crm.*.updated', 'billing.>'],
  patterns: [
    { kind: 'EXACT', value: 'crm.lead.created' },
    { kind: 'PREFIX', value: 'ops.' },
    { kind: 'REGEX', value: '^audit\\.[a-z]+$' },
  ],
  sourceTypes: ['INTEGRATION', 'WEBHOOK'],
  sourceId: 'crm-sync',
  subject: 'contact/1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actorId: 'u-1',
  from: new Date('2026-01-01T00:00:00Z'),
  to: new Date('2026-02-01T00:00:00Z'),
  where: [
    { path: '$.payload.amount', op: 'GTE', value: 10 },
    { path: 'payload.amount', op: 'LT', value: 100 },
    { path: 'payload.tags', op: 'CONTAINS', value: 'vip' },
    { path: 'metadata.context.type', op: 'IN', value: ['CLIENT', 'USER'] },
    { path: 'payload.deletedAt', op: 'EXISTS', value: false },
  ],
};

describe('the compiled document', () => {
  it('is exactly the MongoDB query the filter means', () => {
    assert.deepEqual(compileFilter(complex), {
      query: {
        $or: [
          { type: { $in: ['crm.contact.created', 'crm.lead.created'] } },
          { type: { $regex: '^crm\\.[^.]+\\.updated$' } },
          { type: { $regex: '^billing\\.' } },
          { type: { $regex: '^ops\\.' } },
          { type: { $regex: '^audit\\.[a-z]+$' } },
        ],
        'source.type': { $in: ['INTEGRATION', 'WEBHOOK'] },
        'source.id': { $eq: 'crm-sync' },
        subject: { $eq: 'contact/1' },
        'metadata.correlationId': { $eq: 'corr-1' },
        'metadata.causationId': { $eq: 'cause-1' },
        'metadata.actor.id': { $eq: 'u-1' },
        timestamp: { $gte: new Date('2026-01-01T00:00:00Z'), $lt: new Date('2026-02-01T00:00:00Z') },
        'payload.amount': { $gte: 10 },
        'payload.tags': { $regex: 'vip' },
        'metadata.context.type': { $in: ['CLIENT', 'USER'] },
        'payload.deletedAt': { $exists: false },
        $and: [{ 'payload.amount': { $lt: 100 } }],
      },
      typePatterns: [
        { kind: 'exact', type: 'crm.contact.created' },
        { kind: 'wildcard', segments: ['crm', '*', 'updated'] },
        { kind: 'wildcard', segments: ['billing', '>'] },
        { kind: 'exact', type: 'crm.lead.created' },
        { kind: 'prefix', prefix: 'ops.' },
        { kind: 'regex', source: '^audit\\.[a-z]+$' },
      ],
    });
  });

  it('is the same for the same input, keys in the same order', () => {
    assert.equal(JSON.stringify(compileFilter(complex)), JSON.stringify(compileFilter(structuredClone(complex))));
  });

  it('is empty for an empty filter', () => {
    assert.deepEqual(compileFilter({}), { query: {}, typePatterns: null });
    assert.deepEqual(compileFilter(undefined), { query: {}, typePatterns: null });
  });

  it('selects an event that meets every part, and not one that misses one', () => {
    const matcher = createMatcher(compileFilter(complex));
    const fitting = storedEvent({
      type: 'crm.deal.updated',
      source: { type: 'WEBHOOK', id: 'crm-sync' },
      subject: 'contact/1',
      timestamp: new Date('2026-01-15T00:00:00Z'),
      payload: { amount: 50, tags: ['vip'] },
      metadata: {
        correlationId: 'corr-1',
        causationId: 'cause-1',
        actor: { id: 'u-1', type: 'USER' },
        context: { type: 'USER' },
      },
    });
    assert.equal(matcher(fitting), true);
    assert.equal(matcher({ ...fitting, payload: { amount: 100, tags: ['vip'] } }), false);
    assert.equal(matcher({ ...fitting, type: 'crm.deal.created' }), false);
    assert.equal(matcher({ ...fitting, timestamp: new Date('2026-02-01T00:00:00Z') }), false);
  });

  it('is not changed by building a matcher from it', () => {
    const compiled = compileFilter(complex);
    const before = JSON.stringify(compiled);
    createMatcher(compiled);
    assert.equal(JSON.stringify(compiled), before);
  });
});

describe('matchers', () => {
  it('are shared by equal filters and not by different ones', () => {
    assert.equal(createMatcher(compileFilter(complex)), createMatcher(compileFilter({ ...complex })));
    assert.notEqual(
      createMatcher(compileFilter(complex)),
      createMatcher(compileFilter({ ...complex, subject: 'contact/2' })),
    );
  });

  it('do not take a date for the text it prints as, nor for data shaped like a tagged value', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const byDate = createMatcher({ query: { 'payload.at': { $eq: at } }, typePatterns: null });
    const byText = createMatcher({ query: { 'payload.at': { $eq: at.toISOString() } }, typePatterns: null });
    const byData = createMatcher({ query: { 'payload.at': { $eq: { D: at.getTime() } } }, typePatterns: null });
    assert.notEqual(byDate, byText);
    assert.notEqual(byDate, byData);
    const event = storedEvent({ payload: { at: at.toISOString() } });
    assert.deepEqual([byDate(event), byText(event), byData(event)], [false, true, false]);
  });
});
