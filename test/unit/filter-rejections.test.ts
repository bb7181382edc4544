import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, type EventFilter, type FieldCondition } from '../../src/filter/index.ts';
import { rejection } from './filter-fixtures.ts';

const whereRejection = (condition: FieldCondition) =>
  rejection({ where: [{ path: 'payload.ok', op: 'EXISTS' }, condition] });
const regexRejection = (value: string) => rejection({ patterns: [{ kind: 'REGEX', value }] });

describe('filter paths', () => {
  it('are rejected outside the payload, metadata, source and subject roots', () => {
    for (const path of ['tenantId', 'position', 'type', 'id', '_id', '$.tenantId', 'subject.x']) {
      assert.deepEqual(whereRejection({ path, op: 'EQ', value: 1 }).inputPath, ['filter', 'where', '1', 'path'], path);
    }
  });

  it('are rejected with a $ segment', () => {
    for (const path of ['payload.$where', 'payload.a.$', '$.payload.$a', '$payload.a']) {
      assert.match(whereRejection({ path, op: 'EQ', value: 1 }).message, /\$/, path);
    }
  });

  it('are rejected with an empty segment, odd characters or too many segments', () => {
    for (const path of [
      '',
      'payload.',
      'payload..a',
      '.payload',
      'payload.a b',
      'payload.__proto__',
      `payload${'.a'.repeat(16)}`,
    ]) {
      whereRejection({ path, op: 'EQ', value: 1 });
    }
  });
});

describe('filter values', () => {
  it('are rejected when they hold an operator object, however deep', () => {
    const error = whereRejection({ path: 'payload.a', op: 'EQ', value: { $gt: 1 } });
    assert.deepEqual(error.inputPath, ['filter', 'where', '1', 'value']);
    assert.match(error.message, /never operators/);
    whereRejection({ path: 'payload.a', op: 'IN', value: [1, { nested: [{ $ne: null }] }] });
  });

  it('are rejected when an object or a non-finite number', () => {
    whereRejection({ path: 'payload.a', op: 'EQ', value: { a: 1 } });
    whereRejection({ path: 'payload.a', op: 'EQ', value: Number.NaN });
  });

  it('are rejected when they do not fit the op', () => {
    whereRejection({ path: 'payload.a', op: 'GT', value: true });
    whereRejection({ path: 'payload.a', op: 'LT', value: null });
    whereRejection({ path: 'payload.a', op: 'IN', value: [] });
    whereRejection({ path: 'payload.a', op: 'IN', value: 'EUR' });
    whereRejection({ path: 'payload.a', op: 'IN', value: Array.from({ length: 101 }, (_, i) => i) });
    whereRejection({ path: 'payload.a', op: 'CONTAINS', value: '' });
    whereRejection({ path: 'payload.a', op: 'CONTAINS', value: null });
    whereRejection({ path: 'payload.a', op: 'EXISTS', value: 'yes' });
    whereRejection({ path: 'payload.a', op: 'LIKE' as 'EQ', value: 1 });
  });

  it('are rejected past 32 conditions', () => {
    rejection({ where: Array.from({ length: 33 }, () => ({ path: 'payload.a', op: 'EXISTS' as const })) });
  });
});

describe('REGEX patterns', () => {
  it('are rejected when RE2 cannot compile them, including backreferences and lookarounds', () => {
    for (const value of ['(unclosed', 'a{2,1}', '(a)\\1', '(?=a)b', '(?<=a)b', 'a++']) {
      const error = regexRejection(value);
      assert.deepEqual(error.inputPath, ['filter', 'patterns', '0', 'value']);
      assert.match(error.message, /RE2/, value);
    }
  });

  it('are rejected when a repeated group nests a quantifier or an alternation, saying why', () => {
    for (const value of ['(a+)+', '(a*)*', '(\\w+\\s?)+', '(a|aa)+', '((a|b)c)*', '(?:x(?:y?)){2,}', '(?i:a+)*']) {
      assert.match(regexRejection(value).message, /exponential/, value);
    }
  });

  it('are accepted when nothing repeated can match the same text two ways', () => {
    for (const value of [
      '^crm\\.(contact|lead)\\.created$',
      '(ab)+',
      '(a+)?',
      '(?:[a-z]+\\.){0,1}x',
      '(?:x{2})+',
      '[(a+)]+',
      '\\(a+\\)+',
    ]) {
      assert.doesNotThrow(() => compileFilter({ patterns: [{ kind: 'REGEX', value }] }), value);
    }
  });

  it('are rejected past 256 characters', () => {
    assert.match(regexRejection('a'.repeat(257)).message, /256/);
    assert.doesNotThrow(() => compileFilter({ patterns: [{ kind: 'REGEX', value: 'a'.repeat(256) }] }));
  });
});

describe('other filter fields', () => {
  it('are rejected when from is not before to', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    assert.deepEqual(rejection({ from: at, to: at }).inputPath, ['filter', 'from']);
    rejection({ from: new Date('2026-01-02T00:00:00Z'), to: at });
    rejection({ from: new Date('not a date') });
  });

  it('are rejected with an unknown source type or pattern kind', () => {
    assert.deepEqual(rejection({ sourceTypes: ['CRON', 'NOPE' as 'CRON'] }).inputPath, ['filter', 'sourceTypes', '1']);
    rejection({ patterns: [{ kind: 'GLOB' as 'EXACT', value: 'crm.a' }] });
  });

  it('are rejected past 64 types and patterns together', () => {
    const filter: EventFilter = {
      types: Array.from({ length: 40 }, (_, i) => `crm.t${i}`),
      patterns: Array.from({ length: 25 }, (_, i) => ({ kind: 'EXACT' as const, value: `crm.p${i}` })),
    };
    rejection(filter);
  });

  it('report errors under the path the caller gives', () => {
    try {
      compileFilter({ types: ['BAD'] }, { path: ['input', 'filter'] });
      assert.fail('expected a rejection');
    } catch (error) {
      assert.deepEqual((error as { inputPath?: unknown }).inputPath, ['input', 'filter', 'types', '0']);
    }
  });
});
