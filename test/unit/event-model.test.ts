import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHubError } from '../../src/errors.ts';
import { isEventId, newEventId } from '../../src/events/ids.ts';
import { decodePosition, encodePosition } from '../../src/events/position.ts';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';
import { publishInput } from '../support/fixtures.ts';

const context = { tenantId: 'acme', now: new Date('2026-11-23T10:00:00Z'), maxEventBytes: 1_048_576 };

function rejection(input: unknown, maxEventBytes = context.maxEventBytes) {
  try {
    toPendingEvent(input, { ...context, maxEventBytes });
  } catch (error) {
    assert.ok(isHubError(error), `expected a HubError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the input to be rejected');
}

describe('event ids', () => {
  it('are UUIDv7 strings that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => newEventId(1_700_000_000_000));
    assert.ok(ids.every(isEventId));
    assert.ok(
      ids.every((id) => id[14] === '7'),
      'version nibble is 7',
    );
    assert.ok(
      ids.every((id) => '89ab'.includes(id[19]!)),
      'variant bits are 10',
    );
    // 2,000 ids draw on the random pool several times over: still no repeat of the random part.
    assert.equal(new Set(ids.map((id) => id.slice(19))).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('positions', () => {
  it('round-trip through their opaque string form', () => {
    assert.equal(decodePosition(encodePosition(42)), 42);
  });
  it('reject cursors the hub never handed out', () => {
    for (const bad of ['', '-1', '01', 'abc', '1.5', '99999999999999999']) {
      assert.throws(
        () => decodePosition(bad),
        (error) => isHubError(error) && error.code === 'BAD_USER_INPUT',
        bad,
      );
    }
  });
});

describe('publish input validation', () => {
  it('builds an event with tenant from the credentials, defaults and a time-ordered id', () => {
    const event = toPendingEvent({ ...publishInput(), tenantId: 'evil' }, context);
    assert.equal(event.tenantId, 'acme');
    assert.equal(event.version, '1.0');
    assert.deepEqual(event.timestamp, context.now);
    assert.deepEqual(event.receivedAt, context.now);
    assert.ok(isEventId(event.id));
    assert.deepEqual(event.metadata, {});
  });

  it('keeps the given timestamp, subject and metadata', () => {
    const timestamp = new Date('2026-01-02T03:04:05Z');
    const metadata = {
      correlationId: 'corr',
      actor: { id: 'u1', type: 'user' },
      context: { type: 'CLIENT' },
      attributes: { a: [1] },
    };
    const event = toPendingEvent(publishInput({ timestamp, subject: 'contact/1', metadata, version: '2.1' }), context);
    assert.deepEqual(event.timestamp, timestamp);
    assert.equal(event.subject, 'contact/1');
    assert.equal(event.version, '2.1');
    assert.deepEqual(event.metadata, metadata);
  });

  it('accepts type names of 2 to 6 lowercase segments', () => {
    for (const type of ['a.b', 'lead.contact.ingested', 'a1.b_2.c.d.e.f']) {
      assert.equal(toPendingEvent(publishInput({ type }), context).type, type);
    }
  });

  it('rejects malformed type names with BAD_USER_INPUT on the type field', () => {
    for (const type of ['single', 'Upper.case', 'a..b', '1a.b', 'a.b.c.d.e.f.g', 'a.b.', 'a-b.c', 'a.b c']) {
      const error = rejection(publishInput({ type }));
      assert.equal(error.code, 'BAD_USER_INPUT', type);
      assert.deepEqual(error.inputPath, ['type'], type);
    }
  });

  it('rejects unknown source and context types', () => {
    assert.deepEqual(rejection(publishInput({ source: { type: 'ROBOT', id: 'x' } })).inputPath, ['source', 'type']);
    assert.deepEqual(rejection(publishInput({ metadata: { context: { type: 'TEAM' } } })).inputPath, [
      'metadata',
      'context',
      'type',
    ]);
  });

  it('rejects a payload that is not a JSON object', () => {
    for (const payload of [[1, 2], 'text', 3, null])
      assert.deepEqual(rejection(publishInput({ payload })).inputPath, ['payload']);
  });

  it('rejects payload keys that would act as operators or paths', () => {
    assert.deepEqual(rejection(publishInput({ payload: { nested: { $gt: 1 } } })).inputPath, [
      'payload',
      'nested',
      '$gt',
    ]);
    assert.deepEqual(rejection(publishInput({ payload: { 'a.b': 1 } })).inputPath, ['payload', 'a.b']);
    assert.deepEqual(rejection(publishInput({ metadata: { attributes: { $where: 'x' } } })).inputPath, [
      'metadata',
      'attributes',
      '$where',
    ]);
    assert.deepEqual(rejection(publishInput({ payload: { matrix: [[1, 2]] } })).inputPath, ['payload', 'matrix', '0']);
  });

  it('rejects an event larger than the limit with PAYLOAD_TOO_LARGE', () => {
    const error = rejection(publishInput({ payload: { blob: 'x'.repeat(2000) } }), 1000);
    assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(error.extensions['limit'], 1000);
  });

  it('rejects timestamps outside 1970-9999', () => {
    assert.deepEqual(rejection(publishInput({ timestamp: new Date('1969-12-31T00:00:00Z') })).inputPath, ['timestamp']);
  });
});
