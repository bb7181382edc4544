/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent`
 * a caller sends, kept on the events its request stores (`metadata.trace`)
 * and named in every log line about them, so one trace id leads from the
 * caller's span to the hub's logs, the stored events, and the handlers and
 * follow-up events they caused. The hub starts no spans of its own.
 */
export interface TraceContext {
  /** The header as received, lower-cased: `00-<trace-id>-<parent-id>-<flags>`. */
  traceparent: string;
  /** Its 32 hex digits of trace id, stored apart so auditors can filter on `metadata.trace.traceId`. */
  traceId: string;
  /** The vendor `tracestate` header that came with it, if any (at most 512 characters kept). */
  tracestate?: string;
}

// version-traceid-parentid-flags; a later version may append fields after another dash.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_TRACESTATE = 512;

/** The trace context of a request, or undefined when it sent none or an invalid one (which the spec says to ignore). */
export function parseTraceContext(
  traceparent: string | null | undefined,
  tracestate?: string | null,
): TraceContext | undefined {
  if (!traceparent) return undefined;
  const header = traceparent.trim().toLowerCase();
  const match = TRACEPARENT.exec(header);
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  const state = tracestate?.trim();
  return {
    traceparent: header,
    traceId: traceId!,
    ...(state && state.length <= MAX_TRACESTATE && { tracestate: state }),
  };
}
