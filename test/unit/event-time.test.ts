import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOffsetDateTime, OffsetDate, offsetOf, parseOffsetDateTime } from '../../src/events/event-time.ts';
import { isHubError } from '../../src/errors.ts';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';
import { publishInput } from '../support/fixtures.ts';

const context = { tenantId: 'acme', now: new Date('2026-02-01T00:00:00Z'), maxEventBytes: 100_000 };

describe('date-times with their offset', () => {
  it('reads the offset in minutes east of UTC beside the instant', () => {
    const cases: [string, string, number][] = [
      ['2026-01-05T10:00:00+02:00', '2026-01-05T08:00:00.000Z', 120],
      ['2026-01-05T10:00:00.5-05:30', '2026-01-05T15:30:00.500Z', -330],
      ['2026-01-05T10:00Z', '2026-01-05T10:00:00.000Z', 0],
      ['2026-01-05T10:00:00+00:00', '2026-01-05T10:00:00.000Z', 0],
      ['2026-01-05T10:00:00+23:59', '2026-01-04T10:01:00.000Z', 1439],
    ];
    for (const [text, instant, offset] of cases) {
      const date = parseOffsetDateTime(text);
      assert.ok(date, text);
      assert.deepEqual([date.toISOString(), date.offsetMinutes], [instant, offset], text);
    }
  });

  it('refuses text without a zone, with an impossible offset or an impossible date', () => {
    for (const text of [
      '2026-01-05T10:00:00',
      '2026-01-05T10:00:00+24:00',
      '2026-01-05T10:00:00+02:60',
      '2026-13-05T10:00:00Z',
      '2026-01-05 10:00:00Z',
      'yesterday',
    ]) {
      assert.equal(parseOffsetDateTime(text), null, text);
    }
  });

  it('writes a date back in its own offset, and any other Date in UTC', () => {
    for (const text of [
      '2026-01-05T10:00:00.000+02:00',
      '2026-01-04T23:30:00.000-05:30',
      '2026-12-31T23:59:59.999+14:00',
      '2026-01-05T09:00:00.000Z',
    ]) {
      assert.equal(formatOffsetDateTime(parseOffsetDateTime(text)!), text);
    }
    assert.equal(formatOffsetDateTime(new Date('2026-01-05T10:00:00+02:00')), '2026-01-05T08:00:00.000Z');
    assert.equal(
      formatOffsetDateTime(new OffsetDate(Date.parse('2026-01-05T08:00:00Z'), 0)),
      '2026-01-05T08:00:00.000Z',
    );
    assert.equal(offsetOf(new Date()), 0);
  });
});

describe('an event’s timestamp as published', () => {
  it('stores a plain Date instant and the offset beside it, from a Date that carries one or from text', () => {
    for (const timestamp of [parseOffsetDateTime('2026-01-05T10:00:00+02:00'), '2026-01-05T10:00:00+02:00']) {
      const event = toPendingEvent(publishInput({ timestamp }), context);
      assert.equal(event.timestamp.constructor, Date);
      assert.equal(event.timestamp.toISOString(), '2026-01-05T08:00:00.000Z');
      assert.equal(event.timestampOffset, 120);
    }
  });

  it('leaves the offset out for UTC and for the default timestamp (when received)', () => {
    assert.equal(
      'timestampOffset' in toPendingEvent(publishInput({ timestamp: '2026-01-05T10:00:00Z' }), context),
      false,
    );
    const defaulted = toPendingEvent(publishInput(), context);
    assert.equal('timestampOffset' in defaulted, false);
    assert.equal(defaulted.timestamp, context.now);
  });

  it('refuses text that is not a date-time with a zone, with the path to it', () => {
    assert.throws(
      () => toPendingEvent(publishInput({ timestamp: '2026-01-05T10:00:00' }), context),
      (error: unknown) => {
        assert.ok(isHubError(error), String(error));
        assert.deepEqual(error.inputPath, ['timestamp']);
        return true;
      },
    );
  });
});
