import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceContext } from '../../src/events/trace-context.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const VALID = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('W3C trace context', () => {
  it('keeps a valid traceparent, lower-cased, with its trace id and tracestate', () => {
    assert.deepEqual(parseTraceContext(VALID.toUpperCase(), ' congo=t61rcWkgMzE '), {
      traceparent: VALID,
      traceId: TRACE_ID,
      tracestate: 'congo=t61rcWkgMzE',
    });
    assert.deepEqual(parseTraceContext(VALID), { traceparent: VALID, traceId: TRACE_ID });
  });

  it('accepts a later version with more fields, as the spec asks', () => {
    assert.equal(parseTraceContext(`01-${TRACE_ID}-00f067aa0ba902b7-01-extra`)?.traceId, TRACE_ID);
  });

  it('ignores what the spec calls invalid', () => {
    for (const header of [
      undefined,
      '',
      'garbage',
      `ff-${TRACE_ID}-00f067aa0ba902b7-01`, // version ff
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, // all-zero trace id
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`, // all-zero parent id
      `00-${TRACE_ID}-00f067aa0ba902b7-01-extra`, // version 00 has exactly four fields
      `00-${TRACE_ID.slice(1)}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID}-00f067aa0ba902bz-01`,
    ]) {
      assert.equal(parseTraceContext(header), undefined, String(header));
    }
  });

  it('drops a tracestate longer than 512 characters', () => {
    assert.deepEqual(parseTraceContext(VALID, `a=${'x'.repeat(600)}`), { traceparent: VALID, traceId: TRACE_ID });
  });
});
