import type { EventMetadata, HubEvent } from './event.ts';
import { formatOffsetDateTime, OffsetDate, offsetOf, parseOffsetDateTime } from './event-time.ts';
import { decodePosition, encodePosition } from './position.ts';

/**
 * An event in the JSON shape of the GraphQL `Event` type with every field
 * selected (schema/event.ts) but `processing` (the handlers' trail, not the
 * event): dates as ISO strings (`timestamp` in the publisher's offset, the
 * others in UTC), the position as its opaque string, absent optional fields
 * as null. What leaves the hub as lines (`GET /export`, cold segments) has
 * this one shape, so a reader that knows the API knows the files.
 */
export interface EventJson {
  id: string;
  type: string;
  version: string;
  tenantId: string;
  source: HubEvent['source'];
  timestamp: string;
  receivedAt: string;
  subject: string | null;
  payload: HubEvent['payload'];
  metadata: {
    correlationId: string | null;
    causationId: string | null;
    idempotencyKey: string | null;
    actor: { id: string; type: string } | null;
    context: { type: NonNullable<EventMetadata['context']>['type']; id: string | null } | null;
    attributes: unknown;
    replay: { jobId: string; originalEventId: string } | null;
    trace: { traceparent: string; traceId: string; tracestate: string | null } | null;
  };
  position: string;
}

export function toEventJson(event: HubEvent): EventJson {
  const m = event.metadata;
  return {
    id: event.id,
    type: event.type,
    version: event.version,
    tenantId: event.tenantId,
    source: { type: event.source.type, id: event.source.id },
    timestamp: formatOffsetDateTime(new OffsetDate(event.timestamp.getTime(), event.timestampOffset ?? 0)),
    receivedAt: event.receivedAt.toISOString(),
    subject: event.subject ?? null,
    payload: event.payload,
    metadata: {
      correlationId: m.correlationId ?? null,
      causationId: m.causationId ?? null,
      idempotencyKey: m.idempotencyKey ?? null,
      actor: m.actor ? { id: m.actor.id, type: m.actor.type } : null,
      context: m.context ? { type: m.context.type, id: m.context.id ?? null } : null,
      attributes: m.attributes ?? null,
      replay: m.replay ? { jobId: m.replay.jobId, originalEventId: m.replay.originalEventId } : null,
      trace: m.trace
        ? { traceparent: m.trace.traceparent, traceId: m.trace.traceId, tracestate: m.trace.tracestate ?? null }
        : null,
    },
    position: encodePosition(event.position),
  };
}

/** The inverse of `toEventJson` (nulls become absent fields, the offset comes back), for reading the hub's own files back. */
export function fromEventJson(json: EventJson): HubEvent {
  const timestamp = parseOffsetDateTime(json.timestamp) ?? new Date(json.timestamp);
  const offset = offsetOf(timestamp);
  const m = json.metadata;
  const metadata: EventMetadata = {
    ...(m.correlationId !== null && { correlationId: m.correlationId }),
    ...(m.causationId !== null && { causationId: m.causationId }),
    ...(m.idempotencyKey !== null && { idempotencyKey: m.idempotencyKey }),
    ...(m.actor !== null && { actor: m.actor }),
    ...(m.context !== null && {
      context: { type: m.context.type, ...(m.context.id !== null && { id: m.context.id }) },
    }),
    ...(m.attributes !== null && m.attributes !== undefined && { attributes: m.attributes }),
    ...(m.replay !== null && { replay: m.replay }),
    ...(m.trace !== null && {
      trace: {
        traceparent: m.trace.traceparent,
        traceId: m.trace.traceId,
        ...(m.trace.tracestate !== null && { tracestate: m.trace.tracestate }),
      },
    }),
  };
  return {
    id: json.id,
    type: json.type,
    version: json.version,
    tenantId: json.tenantId,
    source: { type: json.source.type, id: json.source.id },
    timestamp: new Date(timestamp.getTime()),
    ...(offset !== 0 && { timestampOffset: offset }),
    receivedAt: new Date(json.receivedAt),
    ...(json.subject !== null && { subject: json.subject }),
    payload: json.payload,
    metadata,
    position: decodePosition(json.position, 'position'),
  };
}
