// How a SHADOW replay decides that a shadow outcome differs from the live trail entry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventProcessing } from '../../src/handlers/processing-trail.ts';
import {
  canonicalJson,
  changesOf,
  payloadHash,
  type ComparedFollowUp,
  type ShadowOutcome,
} from '../../src/replay/shadow-outcome.ts';

const at = new Date('2024-05-01T08:00:00.000Z');

function live(overrides: Partial<EventProcessing> = {}): EventProcessing {
  return {
    handler: 'ship',
    status: 'HANDLED',
    attempts: 1,
    firstAttemptAt: at,
    lastAttemptAt: at,
    durationMs: 3,
    followUps: [],
    error: null,
    ...overrides,
  };
}

function shadow(overrides: Partial<ShadowOutcome> = {}): ShadowOutcome {
  return { status: 'HANDLED', attempts: 1, durationMs: 2, followUps: [], error: null, ...overrides };
}

const followUp = (type: string, payload: Record<string, unknown>, subject: string | null = null) => ({
  type,
  subject,
  payload,
  payloadHash: payloadHash(payload),
});
const compared = ({ type, subject, payloadHash: hash }: ComparedFollowUp): ComparedFollowUp => ({
  type,
  subject,
  payloadHash: hash,
});
const failure = (code: string) => ({ message: 'no', code, attempts: 3, lastAttempt: at });

describe('shadow outcome comparison', () => {
  it('finds no change when both handled the event with the same follow-ups, in any order and key order', () => {
    const a = followUp('x.shipped', { orderId: 'o1', total: 20 });
    const b = followUp('x.billed', { orderId: 'o1' });
    const sameKeysReordered = followUp('x.shipped', { total: 20, orderId: 'o1' });
    assert.deepEqual(changesOf(live(), [compared(a), compared(b)], shadow({ followUps: [b, sameKeysReordered] })), []);
  });

  it('reports a status change between handled and failed, and treats FAILED and DEAD_LETTERED alike', () => {
    assert.deepEqual(
      changesOf(live(), [], shadow({ status: 'FAILED', error: { message: 'x', code: 'HANDLER_ERROR' } })),
      ['status'],
    );
    const dead = live({ status: 'DEAD_LETTERED', error: failure('HANDLER_ERROR') });
    assert.deepEqual(
      changesOf(dead, [], shadow({ status: 'FAILED', error: { message: 'other text', code: 'HANDLER_ERROR' } })),
      [],
    );
    assert.deepEqual(changesOf(dead, [], shadow()), ['status']);
  });

  it('reports an error change when both failed with different codes', () => {
    const retrying = live({ status: 'FAILED', error: failure('HANDLER_TIMEOUT') });
    assert.deepEqual(
      changesOf(retrying, [], shadow({ status: 'FAILED', error: { message: 'x', code: 'HANDLER_ERROR' } })),
      ['error'],
    );
  });

  it('reports a status change when there is no live entry and the shadow did something, and none when it skipped', () => {
    assert.deepEqual(changesOf(null, [], shadow()), ['status']);
    assert.deepEqual(changesOf(null, [], shadow({ status: 'SKIPPED', attempts: 0 })), []);
    assert.deepEqual(changesOf(live(), [], shadow({ status: 'SKIPPED', attempts: 0 })), ['status']);
  });

  it('reports follow-ups that differ in count, types, subjects or payloads', () => {
    const shipped = followUp('x.shipped', { orderId: 'o1' }, 'o1');
    assert.deepEqual(changesOf(live(), [compared(shipped)], shadow()), ['followUps.count', 'followUps.types']);
    assert.deepEqual(changesOf(live(), [compared(shipped)], shadow({ followUps: [shipped, shipped] })), [
      'followUps.count',
    ]);
    assert.deepEqual(
      changesOf(live(), [compared(shipped)], shadow({ followUps: [followUp('x.sent', { orderId: 'o1' }, 'o1')] })),
      ['followUps.types'],
    );
    assert.deepEqual(
      changesOf(live(), [compared(shipped)], shadow({ followUps: [followUp('x.shipped', { orderId: 'o1' }, 'o2')] })),
      ['followUps.subjects'],
    );
    assert.deepEqual(
      changesOf(live(), [compared(shipped)], shadow({ followUps: [followUp('x.shipped', { orderId: 'o2' }, 'o1')] })),
      ['followUps.payloads'],
    );
  });

  it('hashes payloads as JSON with sorted keys, at every depth', () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: null }), '{"a":null,"b":[{"c":2,"d":1}]}');
    assert.equal(payloadHash({ a: { x: 1, y: 2 } }), payloadHash({ a: { y: 2, x: 1 } }));
    assert.notEqual(payloadHash({ a: 1 }), payloadHash({ a: '1' }));
  });
});
