import type { HubEvent } from '../events/event.ts';
import { encodePosition } from '../events/position.ts';

/**
 * The body of a delivery: the event as a CloudEvents 1.0 structured JSON
 * document. Hub fields without a CloudEvents attribute travel as extensions
 * (lowercase letters and digits only, as the spec requires).
 */
export function cloudEventOf(event: HubEvent): Record<string, unknown> {
  const { metadata } = event;
  return {
    specversion: '1.0',
    id: event.id,
    source: event.source.id,
    type: event.type,
    ...(event.subject !== undefined && { subject: event.subject }),
    time: event.timestamp.toISOString(),
    datacontenttype: 'application/json',
    data: event.payload,
    position: encodePosition(event.position),
    sourcetype: event.source.type,
    dataversion: event.version,
    ...(metadata.correlationId !== undefined && { correlationid: metadata.correlationId }),
    ...(metadata.causationId !== undefined && { causationid: metadata.causationId }),
    ...(metadata.trace && { traceparent: metadata.trace.traceparent }),
  };
}
