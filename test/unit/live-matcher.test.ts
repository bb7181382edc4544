import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, createMatcher, PatternKind, type EventFilter } from '../../src/filter/index.ts';
import { indexDecides, matcherFor } from '../../src/live/live-matcher.ts';
import { createSubscriptionIndex } from '../../src/live/subscription-index.ts';

const matcher = (filter: EventFilter | null) => matcherFor(compileFilter(filter));

describe('live matcher', () => {
  it('gives 1,000 subscriptions on distinct exact types one shared matcher and no compiled query each', () => {
    const matchers = new Set(Array.from({ length: 1000 }, (_, i) => matcher({ types: [`order.k${i}.updated`] })));
    assert.deepEqual([...matchers], [indexDecides]);
  });

  it('leaves exact types and prefixes to the index alone, together or apart', () => {
    assert.equal(matcher({ types: ['crm.contact.created', 'crm.deal.won'] }), indexDecides);
    assert.equal(matcher({ patterns: [{ kind: PatternKind.PREFIX, value: 'crm.con' }] }), indexDecides);
    assert.equal(
      matcher({ types: ['crm.deal.won'], patterns: [{ kind: PatternKind.PREFIX, value: 'crm.con' }] }),
      indexDecides,
    );
  });

  it('keeps a full matcher for anything the index does not decide: other fields, wildcards, regexes', () => {
    for (const filter of [
      { types: ['crm.deal.won'], subject: 'deal-1' },
      { types: ['crm.*.created'] },
      { patterns: [{ kind: PatternKind.REGEX, value: '^sales' }] },
      { subject: 'deal-1' },
    ]) {
      const full = matcher(filter);
      assert.notEqual(full, indexDecides, JSON.stringify(filter));
      assert.equal(full({ type: 'crm.deal.won', subject: 'other' }), false, JSON.stringify(filter));
    }
  });

  it('decides only where the index finds exactly what the full filter matches', () => {
    const filters: Record<string, EventFilter> = {
      exact: { types: ['crm.contact.created'] },
      prefix: { patterns: [{ kind: PatternKind.PREFIX, value: 'crm.con' }] },
      both: { types: ['crm.deal.won'], patterns: [{ kind: PatternKind.PREFIX, value: 'sales.' }] },
    };
    const index = createSubscriptionIndex<string>();
    for (const [name, filter] of Object.entries(filters)) index.add('acme', compileFilter(filter).typePatterns, name);
    const types = [
      'crm.contact.created',
      'crm.contact.updated',
      'crm.control.x',
      'crm.deal.won',
      'sales.crm.con',
      'crm.co',
    ];
    for (const type of types) {
      const candidates = index.candidates('acme', type);
      for (const [name, filter] of Object.entries(filters)) {
        assert.equal(matcher(filter), indexDecides, name);
        assert.equal(candidates.has(name), createMatcher(compileFilter(filter))({ type }), `${name} for ${type}`);
      }
    }
  });
});
