import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, type FieldCondition } from '../../src/filter/index.ts';
import { matches, storedEvent } from './filter-fixtures.ts';

const event = storedEvent({
  source: { type: 'WEBHOOK', id: 'stripe' },
  subject: 'contact/123',
  timestamp: new Date('2026-01-01T10:00:00Z'),
  payload: {
    amount: 120,
    currency: 'EUR',
    tags: ['vip', 'eu-west'],
    note: 'call back (urgent)',
    flags: [true],
    nested: { level: 2 },
    none: null,
  },
  metadata: { correlationId: 'corr-1', causationId: 'cause-1', actor: { id: 'u-7', type: 'USER' } },
});

const where = (...conditions: FieldCondition[]) => matches({ where: conditions }, event);

describe('scalar filter fields', () => {
  it('select by source type, any of several', () => {
    assert.equal(matches({ sourceTypes: ['WEBHOOK'] }, event), true);
    assert.equal(matches({ sourceTypes: ['CRON', 'WEBHOOK'] }, event), true);
    assert.equal(matches({ sourceTypes: ['CRON'] }, event), false);
  });

  it('select by source id, subject, correlation id, causation id and actor id', () => {
    const cases = [
      ['sourceId', 'stripe'],
      ['subject', 'contact/123'],
      ['correlationId', 'corr-1'],
      ['causationId', 'cause-1'],
      ['actorId', 'u-7'],
    ] as const;
    for (const [name, value] of cases) {
      assert.equal(matches({ [name]: value }, event), true, name);
      assert.equal(matches({ [name]: `${value}x` }, event), false, name);
    }
  });

  it('compare scalar fields as data, even when they look like operators', () => {
    assert.deepEqual(compileFilter({ subject: '$where' }).query, { subject: { $eq: '$where' } });
    assert.equal(matches({ subject: '$where' }, event), false);
  });

  it('keep timestamps in the half-open interval [from, to)', () => {
    const at = (iso: string) => new Date(iso);
    assert.equal(matches({ from: at('2026-01-01T10:00:00Z') }, event), true, 'from is inclusive');
    assert.equal(matches({ to: at('2026-01-01T10:00:00Z') }, event), false, 'to is exclusive');
    assert.equal(matches({ from: at('2026-01-01T09:00:00Z'), to: at('2026-01-01T10:00:00.001Z') }, event), true);
    assert.equal(matches({ from: at('2026-01-01T10:00:00.001Z') }, event), false);
  });

  it('treat null and empty lists as no constraint', () => {
    assert.deepEqual(
      compileFilter({ types: null, patterns: [], sourceTypes: [], subject: null, from: null, where: [] }),
      { query: {}, typePatterns: null },
    );
    assert.deepEqual(compileFilter(null), { query: {}, typePatterns: null });
    assert.equal(matches({}, event), true);
  });
});

describe('where conditions', () => {
  it('EQ and NE compare values, an array field matching through its elements', () => {
    assert.equal(where({ path: 'payload.currency', op: 'EQ', value: 'EUR' }), true);
    assert.equal(where({ path: 'payload.tags', op: 'EQ', value: 'vip' }), true);
    assert.equal(where({ path: 'payload.tags', op: 'EQ', value: ['vip', 'eu-west'] }), true);
    assert.equal(where({ path: 'payload.currency', op: 'NE', value: 'EUR' }), false);
    assert.equal(where({ path: 'payload.missing', op: 'NE', value: 'EUR' }), true, 'NE matches a missing field');
    assert.equal(where({ path: 'payload.none', op: 'EQ', value: null }), true);
    assert.equal(where({ path: 'payload.missing', op: 'EQ' }), true, 'EQ null matches a missing field');
  });

  it('GT, GTE, LT and LTE compare numbers with numbers and strings with strings only', () => {
    assert.equal(where({ path: 'payload.amount', op: 'GT', value: 100 }), true);
    assert.equal(where({ path: 'payload.amount', op: 'GT', value: 120 }), false);
    assert.equal(where({ path: 'payload.amount', op: 'GTE', value: 120 }), true);
    assert.equal(where({ path: 'payload.amount', op: 'LT', value: 120 }), false);
    assert.equal(where({ path: 'payload.amount', op: 'LTE', value: 120 }), true);
    assert.equal(where({ path: 'payload.currency', op: 'GT', value: 'EAA' }), true);
    assert.equal(
      where({ path: 'payload.currency', op: 'GT', value: 1 }),
      false,
      'a string is not compared with a number',
    );
    assert.equal(
      where({ path: 'payload.amount', op: 'LT', value: 'zzz' }),
      false,
      'a number is not compared with a string',
    );
  });

  it('IN matches any listed value', () => {
    assert.equal(where({ path: 'payload.currency', op: 'IN', value: ['USD', 'EUR'] }), true);
    assert.equal(where({ path: 'payload.currency', op: 'IN', value: ['USD'] }), false);
    assert.equal(where({ path: 'payload.tags', op: 'IN', value: ['eu-west'] }), true);
  });

  it('CONTAINS finds a substring in a string, literally', () => {
    assert.equal(where({ path: 'payload.note', op: 'CONTAINS', value: 'back (urg' }), true);
    assert.equal(where({ path: 'payload.note', op: 'CONTAINS', value: 'b.ck' }), false, 'regex characters are literal');
    assert.equal(where({ path: 'payload.note', op: 'CONTAINS', value: 'Call' }), false, 'case-sensitive');
    assert.deepEqual(compileFilter({ where: [{ path: 'payload.note', op: 'CONTAINS', value: 'a.b' }] }).query, {
      'payload.note': { $regex: 'a\\.b' },
    });
  });

  it('CONTAINS finds an array element equal to a number or boolean, or a string element containing a string', () => {
    assert.equal(where({ path: 'payload.tags', op: 'CONTAINS', value: 'vip' }), true);
    assert.equal(where({ path: 'payload.tags', op: 'CONTAINS', value: 'west' }), true);
    assert.equal(where({ path: 'payload.tags', op: 'CONTAINS', value: 'us' }), false);
    assert.equal(where({ path: 'payload.flags', op: 'CONTAINS', value: true }), true);
    assert.equal(where({ path: 'payload.flags', op: 'CONTAINS', value: false }), false);
    assert.equal(
      where({ path: 'payload.amount', op: 'CONTAINS', value: 120 }),
      false,
      'a number field is not an array',
    );
  });

  it('EXISTS true and false test for the field, true when no value is given', () => {
    assert.equal(where({ path: 'payload.nested.level', op: 'EXISTS', value: true }), true);
    assert.equal(where({ path: 'payload.nested.level', op: 'EXISTS' }), true);
    assert.equal(where({ path: 'payload.nested.depth', op: 'EXISTS', value: false }), true);
    assert.equal(where({ path: 'payload.nested.level', op: 'EXISTS', value: false }), false);
  });

  it('accept $.payload paths and the metadata, source and subject roots', () => {
    assert.equal(where({ path: '$.payload.nested.level', op: 'EQ', value: 2 }), true);
    assert.deepEqual(compileFilter({ where: [{ path: '$.payload.a', op: 'EQ', value: 1 }] }).query, {
      'payload.a': { $eq: 1 },
    });
    assert.equal(where({ path: 'metadata.actor.type', op: 'EQ', value: 'USER' }), true);
    assert.equal(where({ path: 'source.id', op: 'EQ', value: 'stripe' }), true);
    assert.equal(where({ path: 'subject', op: 'CONTAINS', value: '/123' }), true);
  });

  it('AND all conditions, including several on one path', () => {
    assert.equal(
      where({ path: 'payload.amount', op: 'GT', value: 100 }, { path: 'payload.amount', op: 'LT', value: 200 }),
      true,
    );
    assert.equal(
      where({ path: 'payload.amount', op: 'GT', value: 100 }, { path: 'payload.amount', op: 'LT', value: 110 }),
      false,
    );
    assert.equal(
      where({ path: 'payload.amount', op: 'GT', value: 100 }, { path: 'payload.currency', op: 'EQ', value: 'USD' }),
      false,
    );
  });
});
