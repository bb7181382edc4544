import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HubEvent } from '../../src/events/event.ts';
import { fromEventJson, toEventJson as eventJson } from '../../src/events/event-json.ts';
import { pendingEvent } from '../support/fixtures.ts';

describe('an event as JSON lines carry it (export, cold segments)', () => {
  it('keeps the publisher’s offset on timestamp, as Event.timestamp does, and UTC elsewhere', () => {
    const event: HubEvent = {
      ...pendingEvent({ timestamp: new Date('2026-01-05T08:00:00Z') }),
      position: 7,
      timestampOffset: 120,
    };
    const json = eventJson(event);
    assert.equal(json.timestamp, '2026-01-05T10:00:00.000+02:00');
    assert.match(json.receivedAt, /Z$/);
    assert.equal(json.position, '7');
    const { timestampOffset: _utc, ...inUtc } = event;
    assert.equal(eventJson(inUtc).timestamp, '2026-01-05T08:00:00.000Z');
    assert.deepEqual(fromEventJson(json), event, 'read back (cold segments), the offset comes back too');
    assert.deepEqual(fromEventJson(eventJson(inUtc)), inUtc);
  });
});
