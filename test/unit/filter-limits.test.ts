import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, createMatcher, type FieldCondition } from '../../src/filter/index.ts';
import { createFilterBudget, exceedsBytes } from '../../src/filter/filter-budget.ts';
import { createRegexCache, RegexRefused, sharedRegexes } from '../../src/filter/regex-cache.ts';
import { rejection, storedEvent } from './filter-fixtures.ts';

const unique = () => `u${process.hrtime.bigint()}`;

describe('the regex cache', () => {
  it('compiles a REGEX pattern once for validation and matching together', () => {
    const before = sharedRegexes.compilations;
    const source = `^crm\\.${unique()}`;
    const compiled = compileFilter({ patterns: [{ kind: 'REGEX', value: source }] });
    createMatcher(compiled)(storedEvent({ type: 'crm.contact.created' }));
    assert.equal(sharedRegexes.compilations - before, 1);
  });

  it('refuses costly patterns on their text, before RE2 compiles them', () => {
    const cache = createRegexCache({ maxEntries: 4 });
    for (const source of [
      '.{0,1000}',
      '.{0,256}',
      '((a{0,10}){0,10}){0,11}',
      '.{0,250}'.repeat(5),
      '.{0,1000}'.repeat(28),
    ]) {
      assert.throws(() => cache.compile(source), RegexRefused, source);
    }
    assert.equal(cache.compilations, 0);
  });

  it('keeps what RE2 refused, so a bad pattern sent again is not compiled again', () => {
    const cache = createRegexCache({ maxEntries: 4 });
    assert.throws(() => cache.compile('(unclosed'), /RE2/);
    assert.throws(() => cache.compile('(unclosed'), /RE2/);
    assert.equal(cache.compilations, 1);
  });

  it('holds at most maxEntries patterns and drops the least recently used first', () => {
    const cache = createRegexCache({ maxEntries: 2 });
    const a = cache.compile('a');
    cache.compile('b');
    assert.equal(cache.compile('a'), a);
    cache.compile('c'); // evicts b, used longest ago
    assert.equal(cache.size, 2);
    assert.equal(cache.compile('a'), a);
    cache.compile('b');
    assert.equal(cache.compilations, 4);
  });
});

describe('REGEX patterns over the cost limits', () => {
  const regexRejection = (value: string) => rejection({ patterns: [{ kind: 'REGEX', value }] });

  it('are refused with BAD_USER_INPUT naming the pattern and the limit', () => {
    const repeat = regexRejection('x.{0,1000}');
    assert.deepEqual(repeat.inputPath, ['filter', 'patterns', '0', 'value']);
    assert.match(repeat.message, /limited to 255/);
    assert.match(regexRejection('((a{0,10}){0,10}){0,20}').message, /multiply to 2000/);
    assert.match(regexRejection('.{0,250}'.repeat(5)).message, /instructions/);
  });

  it('are accepted up to the limits', () => {
    for (const value of ['[a-z0-9_]{1,255}', '(?:ab{3}){0,50}c', '.{0,255}.{0,255}.{0,255}']) {
      assert.doesNotThrow(() => compileFilter({ patterns: [{ kind: 'REGEX', value }] }), value);
    }
  });
});

describe('filter strings', () => {
  const where = (condition: FieldCondition) => rejection({ where: [condition] });

  it('are refused past their length caps, naming the field', () => {
    assert.deepEqual(rejection({ sourceId: 'x'.repeat(513) }).inputPath, ['filter', 'sourceId']);
    assert.deepEqual(rejection({ actorId: 'x'.repeat(513) }).inputPath, ['filter', 'actorId']);
    assert.match(where({ path: `payload.${'a'.repeat(260)}`, op: 'EQ', value: 1 }).message, /256 characters/);
    assert.match(where({ path: 'payload.a', op: 'EQ', value: 'x'.repeat(1025) }).message, /1024 characters/);
    assert.match(where({ path: 'payload.a', op: 'IN', value: ['ok', 'x'.repeat(1025)] }).message, /value\.1/);
    assert.doesNotThrow(() =>
      compileFilter({ subject: 'x'.repeat(512), where: [{ path: 'payload.a', op: 'EQ', value: 'x'.repeat(1024) }] }),
    );
  });
});

describe('where values', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
    return value;
  };

  it('are refused when nested deeper than 8 levels, however deep, naming the path', () => {
    for (const depth of [9, 100_000]) {
      const error = rejection({ where: [{ path: 'payload.a', op: 'EQ', value: nested(depth) }] });
      assert.deepEqual(error.inputPath, ['filter', 'where', '0', 'value']);
      assert.match(error.message, /deeper than 8 levels/);
    }
  });

  it('are refused with many items or keys before they are read', () => {
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    assert.match(rejection({ where: [{ path: 'payload.a', op: 'EQ', value: keys }] }).message, /1000 items/);
    const items = Array.from({ length: 1_000_000 }, () => 1);
    assert.match(rejection({ where: [{ path: 'payload.a', op: 'IN', value: items }] }).message, /1000 items/);
  });

  it('still refuse operator keys deep inside', () => {
    assert.match(
      rejection({ where: [{ path: 'payload.a', op: 'IN', value: [1, { b: [{ $ne: null }] }] }] }).message,
      /value\.1\.b\.0/,
    );
  });
});

describe('the request filter budget', () => {
  const regexes = (n: number) => ({
    patterns: Array.from({ length: n }, (_, i) => ({ kind: 'REGEX' as const, value: `^a${i}` })),
  });

  it('counts REGEX patterns across all the filters of one request', () => {
    const budget = createFilterBudget({ maxFilterBytes: 16_384, maxRegexPerRequest: 16, maxRegexInstructions: 4000 });
    budget.charge(regexes(10), ['a']);
    budget.charge({ types: ['crm.>'] }, ['b']);
    assert.throws(
      () => budget.charge(regexes(7), ['c']),
      (error: Error & { inputPath?: string[] }) => {
        assert.match(error.message, /HUB_MAX_REGEX_PER_REQUEST/);
        assert.deepEqual(error.inputPath, ['c', 'patterns']);
        return true;
      },
    );
    assert.doesNotThrow(() =>
      createFilterBudget({ maxFilterBytes: 16_384, maxRegexPerRequest: 16, maxRegexInstructions: 4000 }).charge(
        regexes(16),
        ['d'],
      ),
    );
  });

  it('refuses a filter larger than HUB_MAX_FILTER_BYTES', () => {
    const budget = createFilterBudget({ maxFilterBytes: 1000, maxRegexPerRequest: 16, maxRegexInstructions: 4000 });
    assert.throws(() => budget.charge({ subject: 'x'.repeat(1000) }, ['filter']), /HUB_MAX_FILTER_BYTES/);
    assert.doesNotThrow(() => budget.charge({ subject: 'x'.repeat(900) }, ['filter']));
  });

  it('measures JSON size without copying or recursing, close to JSON.stringify', () => {
    const filter = {
      types: ['crm.>'],
      where: [{ path: 'payload.a', op: 'IN', value: [1, 'two', null, { x: true }] }],
      from: new Date(),
    };
    const size = JSON.stringify(filter).length;
    assert.equal(exceedsBytes(filter, size + 8), false);
    assert.equal(exceedsBytes(filter, size - 8), true);
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assert.equal(exceedsBytes({ where: [{ value: deep }] }, 16_384), true);
  });
});
