import type { HubEvent } from './event.ts';
import { formatOffsetDateTime, OffsetDate } from './event-time.ts';
import { encodePosition } from './position.ts';

/**
 * An event as the GraphQL `Event` type answers it when every field is selected (`processing`
 * aside: it is the handlers' trail, not the event): dates as ISO 8601 (`timestamp` in the
 * publisher's offset, the others in UTC), the position as
 * its opaque string, absent optional fields as null. What `GET /export` writes per line, so a
 * line and a GraphQL `events` node are the same JSON.
 */
export function eventJson(event: HubEvent): Record<string, unknown> {
  const { metadata: m } = event;
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
      trace: m.trace ? { traceparent: m.trace.traceparent, traceId: m.trace.traceId, tracestate: m.trace.tracestate ?? null } : null,
    },
    position: encodePosition(event.position),
  };
}
