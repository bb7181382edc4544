import type { EventMetadata, JsonObject, PendingEvent } from './event.ts';
import { newEventId } from './ids.ts';

/**
 * An event the hub writes about its own doings (`system.*`, source SYSTEM `<by>`): the audit
 * trail, replays, webhook delivery, retention. Ingest refuses these types and source from callers,
 * so only this builder makes them; `publishInternal` stores them.
 */
export function systemEvent(
  by: string,
  type: string,
  tenantId: string,
  payload: JsonObject,
  metadata: EventMetadata,
  now: Date,
): PendingEvent {
  return {
    id: newEventId(now.getTime()),
    type,
    version: '1.0',
    tenantId,
    source: { type: 'SYSTEM', id: by },
    timestamp: now,
    receivedAt: now,
    payload,
    metadata,
  };
}
