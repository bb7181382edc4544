import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, type EventFilter } from '../../src/filter/index.ts';
import { createSubscriptionIndex } from '../../src/live/subscription-index.ts';

const patterns = (filter: EventFilter | null) => compileFilter(filter).typePatterns;

/** An index with named entries, so assertions read as names. */
function indexOf(entries: Record<string, EventFilter | null>, tenantId = 'acme') {
  const index = createSubscriptionIndex<string>();
  for (const [name, filter] of Object.entries(entries)) index.add(tenantId, patterns(filter), name);
  const candidates = (type: string, tenant = tenantId) => [...index.candidates(tenant, type)].sort();
  return { index, candidates };
}

describe('subscription index', () => {
  it('finds exact types by lookup and nothing for other types', () => {
    const { candidates } = indexOf({ created: { types: ['crm.contact.created'] }, deal: { types: ['crm.deal.won'] } });
    assert.deepEqual(candidates('crm.contact.created'), ['created']);
    assert.deepEqual(candidates('crm.deal.won'), ['deal']);
    assert.deepEqual(candidates('crm.contact.updated'), []);
  });

  it('matches "*" to exactly one segment', () => {
    const { candidates } = indexOf({ star: { types: ['crm.*.created'] } });
    assert.deepEqual(candidates('crm.contact.created'), ['star']);
    assert.deepEqual(candidates('crm.deal.created'), ['star']);
    assert.deepEqual(candidates('crm.contact.updated'), []);
    assert.deepEqual(candidates('crm.contact.note.created'), []);
    assert.deepEqual(candidates('crm.created'), []);
  });

  it('matches a trailing ">" to one or more segments', () => {
    const { candidates } = indexOf({ rest: { types: ['crm.>'] }, deep: { types: ['crm.*.>'] } });
    assert.deepEqual(candidates('crm.contact'), ['rest']);
    assert.deepEqual(candidates('crm.contact.created'), ['deep', 'rest']);
    assert.deepEqual(candidates('crm.contact.note.created'), ['deep', 'rest']);
    assert.deepEqual(candidates('sales.contact.created'), []);
  });

  it('returns a subscription once even when several of its patterns match', () => {
    const { index } = indexOf({
      mixed: {
        types: ['crm.contact.created', 'crm.*.created', 'crm.>'],
        patterns: [{ kind: 'PREFIX', value: 'crm.' }],
      },
    });
    assert.deepEqual([...index.candidates('acme', 'crm.contact.created')], ['mixed']);
  });

  it('keeps prefix, regex and any-type subscriptions in the fallback list', () => {
    const { candidates } = indexOf({
      prefix: { patterns: [{ kind: 'PREFIX', value: 'crm.con' }] },
      regex: { patterns: [{ kind: 'REGEX', value: '^crm\\.deal\\.' }] },
      any: null,
      anyByWildcard: { types: ['*.>'] },
    });
    // A regex is a candidate for every type; the full matcher decides.
    assert.deepEqual(candidates('crm.contact.created'), ['any', 'anyByWildcard', 'prefix', 'regex']);
    assert.deepEqual(candidates('crm.deal.won'), ['any', 'anyByWildcard', 'regex']);
  });

  it('keeps tenants apart', () => {
    const { index, candidates } = indexOf({ acme: { types: ['crm.>'] } });
    index.add('globex', patterns({ types: ['crm.>'] }), 'globex');
    assert.deepEqual(candidates('crm.contact.created'), ['acme']);
    assert.deepEqual(candidates('crm.contact.created', 'globex'), ['globex']);
    assert.deepEqual(candidates('crm.contact.created', 'initech'), []);
  });

  it('forgets removed subscriptions under every pattern, and removal is idempotent', () => {
    const { index, candidates } = indexOf({
      a: { types: ['crm.contact.created', 'crm.*.created', 'crm.>'], patterns: [{ kind: 'PREFIX', value: 'crm' }] },
      b: { types: ['crm.*.created'] },
      c: null,
    });
    assert.equal(index.size, 3);
    index.remove('acme', 'a');
    index.remove('acme', 'a');
    assert.equal(index.size, 2);
    assert.deepEqual(candidates('crm.contact.created'), ['b', 'c']);
    index.remove('acme', 'b');
    index.remove('acme', 'c');
    assert.equal(index.size, 0);
    assert.deepEqual(candidates('crm.contact.created'), []);
    index.add('acme', patterns({ types: ['crm.*.created'] }), 'again');
    assert.deepEqual(candidates('crm.contact.created'), ['again']);
  });

  it('hands out as many candidates for one event with 10,000 unrelated subscriptions as with 10', () => {
    const counts = [10, 10_000].map((subscribers) => {
      const index = createSubscriptionIndex<number>();
      for (let i = 0; i < subscribers; i++) {
        index.add('acme', [{ kind: 'exact', type: `crm.type${i}` }], i);
        index.add('acme', [{ kind: 'wildcard', segments: [`app${i}`, '*', 'created'] }], subscribers + i);
      }
      return index.candidates('acme', 'crm.type7').size + index.candidates('acme', 'app7.deal.created').size;
    });
    assert.deepEqual(counts, [2, 2]);
  });
});
