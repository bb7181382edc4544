import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, createMatcher } from '../../src/filter/index.ts';
import { prefixQuery } from '../../src/store/mongodb/prefix-query.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { FILTER_CASES, FILTER_FIXTURES, LABELS } from '../contract/filter-cases.ts';

describe('prefixQuery: a compiled filter moved under a sub-document', () => {
  it('prefixes field paths and keeps what sits under each field as it is', () => {
    const since = new Date('2024-01-01T00:00:00Z');
    const query = {
      type: { $regex: '^order\\.[^.]+$' },
      'payload.tags': { $elemMatch: { $eq: 2 } },
      'source.type': { $in: ['CRON', 'WORKFLOW'] },
      timestamp: { $gte: since },
    };
    const moved = prefixQuery(query, 'event');
    assert.deepEqual(moved, {
      'event.type': { $regex: '^order\\.[^.]+$' },
      'event.payload.tags': { $elemMatch: { $eq: 2 } },
      'event.source.type': { $in: ['CRON', 'WORKFLOW'] },
      'event.timestamp': { $gte: since },
    });
    assert.equal((moved['event.timestamp'] as { $gte: Date }).$gte, since);
    assert.deepEqual(query.type, { $regex: '^order\\.[^.]+$' }, 'the input is left alone');
  });

  it('walks $and, $or and $nor clause by clause, nested too', () => {
    const query = {
      $or: [
        { type: { $eq: 'a.b' } },
        { $and: [{ subject: { $eq: 's' } }, { $nor: [{ 'payload.x': { $exists: true } }] }] },
      ],
      $and: [{ 'payload.n': { $gt: 1 } }],
    };
    assert.deepEqual(prefixQuery(query, 'event'), {
      $or: [
        { 'event.type': { $eq: 'a.b' } },
        { $and: [{ 'event.subject': { $eq: 's' } }, { $nor: [{ 'event.payload.x': { $exists: true } }] }] },
      ],
      $and: [{ 'event.payload.n': { $gt: 1 } }],
    });
  });

  it('turns an empty query into an empty query', () => {
    assert.deepEqual(prefixQuery({}, 'event'), {});
  });

  it('refuses clause-level operators that could reach outside the sub-document', () => {
    for (const key of ['$expr', '$where', '$text', '$comment']) {
      assert.throws(() => prefixQuery({ [key]: {} }, 'event'), /cannot move a query/, key);
      assert.throws(() => prefixQuery({ $or: [{ [key]: {} }] }, 'event'), /cannot move a query/, key);
    }
    assert.throws(() => prefixQuery({ $and: { type: 'a.b' } }, 'event'), /list of clauses/);
    assert.throws(() => prefixQuery({ $or: ['type'] }, 'event'), /query document/);
  });

  it('selects under the prefix exactly what the filter selects on the event itself, for every filter case', () => {
    const events = LABELS.map((label) => ({ ...pendingEvent(FILTER_FIXTURES[label] as never), position: 1 }));
    for (const { name, filter } of FILTER_CASES) {
      const compiled = compileFilter(filter);
      const direct = createMatcher(compiled);
      const nested = createMatcher({ ...compiled, query: prefixQuery(compiled.query, 'event') });
      assert.deepEqual(
        events.map((event) => nested({ event, tenantId: 'acme' })),
        events.map((event) => direct(event)),
        name,
      );
    }
  });
});
