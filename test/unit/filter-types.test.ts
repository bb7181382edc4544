import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from '../../src/filter/index.ts';
import { matches, rejection, selectedTypes, storedEvent } from './filter-fixtures.ts';

const types = ['crm.a', 'crm.a.b', 'crm.contact.created', 'crm.contact.updated', 'sales.contact.created', 'crmx.a'];

describe('type wildcards', () => {
  it('match a pattern without wildcards by equality', () => {
    assert.deepEqual(selectedTypes({ types: ['crm.contact.created'] }, types), ['crm.contact.created']);
    assert.deepEqual(compileFilter({ types: ['crm.contact.created'] }).query, { type: { $eq: 'crm.contact.created' } });
  });

  it('let * stand for exactly one segment', () => {
    assert.deepEqual(selectedTypes({ types: ['crm.*'] }, types), ['crm.a']);
    assert.deepEqual(selectedTypes({ types: ['*.contact.created'] }, types), [
      'crm.contact.created',
      'sales.contact.created',
    ]);
    assert.deepEqual(selectedTypes({ types: ['crm.*.created'] }, types), ['crm.contact.created']);
  });

  it('do not let crm.* match crm.a.b', () => {
    assert.equal(matches({ types: ['crm.*'] }, storedEvent({ type: 'crm.a.b' })), false);
  });

  it('let a trailing > stand for one or more segments, so crm.> matches crm.a and crm.a.b but not crm', () => {
    assert.deepEqual(selectedTypes({ types: ['crm.>'] }, [...types, 'crm']), [
      'crm.a',
      'crm.a.b',
      'crm.contact.created',
      'crm.contact.updated',
    ]);
  });

  it('treat > and *.> as any type', () => {
    assert.deepEqual(compileFilter({ types: ['>'] }), { query: {}, typePatterns: null });
    assert.deepEqual(compileFilter({ types: ['crm.a', '*.>'] }), { query: {}, typePatterns: null });
  });

  it('reject > anywhere but last', () => {
    const error = rejection({ types: ['crm.>.created'] });
    assert.deepEqual(error.inputPath, ['filter', 'types', '0']);
    assert.match(error.message, /last segment/);
  });

  it('reject patterns that are not type names or can match no type', () => {
    for (const bad of ['Crm.contact', 'crm..a', 'crm.a-b', 'crm', '*', 'a.b.c.d.e.f.g', 'a.b.c.d.e.f.>', 'crm.a*']) {
      assert.equal(rejection({ types: ['crm.a', bad] }).inputPath?.join('/'), 'filter/types/1', bad);
    }
  });

  it('describe each pattern for the live index', () => {
    assert.deepEqual(compileFilter({ types: ['crm.*.created', 'crm.>', 'crm.a'] }).typePatterns, [
      { kind: 'wildcard', segments: ['crm', '*', 'created'] },
      { kind: 'wildcard', segments: ['crm', '>'] },
      { kind: 'exact', type: 'crm.a' },
    ]);
  });
});

describe('pattern kinds', () => {
  it('EXACT matches one type name and nothing else', () => {
    assert.deepEqual(selectedTypes({ patterns: [{ kind: 'EXACT', value: 'crm.a' }] }, types), ['crm.a']);
    assert.deepEqual(rejection({ patterns: [{ kind: 'EXACT', value: 'crm.*' }] }).inputPath, [
      'filter',
      'patterns',
      '0',
      'value',
    ]);
  });

  it('PREFIX matches types starting with the text, dots taken literally', () => {
    assert.deepEqual(selectedTypes({ patterns: [{ kind: 'PREFIX', value: 'crm' }] }, types), [
      'crm.a',
      'crm.a.b',
      'crm.contact.created',
      'crm.contact.updated',
      'crmx.a',
    ]);
    assert.deepEqual(
      selectedTypes({ patterns: [{ kind: 'PREFIX', value: 'crm.a' }] }, ['crm.a', 'crm.ab.c', 'crmxa.b']),
      ['crm.a', 'crm.ab.c'],
    );
    assert.deepEqual(compileFilter({ patterns: [{ kind: 'PREFIX', value: 'crm.a' }] }).query, {
      type: { $regex: '^crm\\.a' },
    });
  });

  it('WILDCARD is the default kind', () => {
    assert.deepEqual(selectedTypes({ patterns: [{ value: 'crm.*' }] }, types), ['crm.a']);
  });

  it('REGEX matches anywhere in the type unless anchored, in RE2 syntax', () => {
    assert.deepEqual(selectedTypes({ patterns: [{ kind: 'REGEX', value: 'contact\\.(created|updated)$' }] }, types), [
      'crm.contact.created',
      'crm.contact.updated',
      'sales.contact.created',
    ]);
    // (?i) is RE2 (and PCRE) syntax that JS RegExp cannot parse: evaluation is not JS.
    assert.deepEqual(selectedTypes({ patterns: [{ kind: 'REGEX', value: '(?i)^SALES\\.' }] }, types), [
      'sales.contact.created',
    ]);
  });

  it('REGEX runs in linear time, even on a pattern that makes a backtracking engine polynomial', {
    timeout: 5_000,
  }, () => {
    // JS RegExp needs about 17 s for this on a 60-character type; RE2 answers at once on 250.
    const type = `x.${'a'.repeat(250)}`;
    assert.equal(matches({ patterns: [{ kind: 'REGEX', value: 'a*a*a*a*a*a*a*b' }] }, storedEvent({ type })), false);
    assert.equal(matches({ patterns: [{ kind: 'REGEX', value: 'a*a*a*a*a*a*a*$' }] }, storedEvent({ type })), true);
  });

  it('types and patterns are OR-ed together', () => {
    const filter = {
      types: ['crm.a'],
      patterns: [
        { kind: 'EXACT' as const, value: 'crmx.a' },
        { kind: 'REGEX' as const, value: '^sales' },
      ],
    };
    assert.deepEqual(selectedTypes(filter, types), ['crm.a', 'sales.contact.created', 'crmx.a']);
    assert.deepEqual(compileFilter(filter).query, {
      $or: [{ type: { $in: ['crm.a', 'crmx.a'] } }, { type: { $regex: '^sales' } }],
    });
  });

  it('repeated patterns compile once', () => {
    assert.deepEqual(compileFilter({ types: ['crm.a', 'crm.a'], patterns: [{ kind: 'EXACT', value: 'crm.a' }] }), {
      query: { type: { $eq: 'crm.a' } },
      typePatterns: [{ kind: 'exact', type: 'crm.a' }],
    });
  });
});
