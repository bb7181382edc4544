import { badInput } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';

/**
 * `system.*` types and source type SYSTEM belong to the hub: audit events,
 * replay progress, handlers' follow-ups. Readers trust them as the hub's own
 * word, so an API key or a handler may not write them; the hub writes them
 * through `Ingest.publishInternal` (or stamps the source of a follow-up).
 */
export const SYSTEM_TYPE_PREFIX = 'system.';

/** Throws BAD_USER_INPUT naming the field when a published event claims to be the hub's. */
export function assertNotReserved(event: Pick<HubEvent, 'type' | 'source'>, sourceStamped: boolean): void {
  if (event.type.startsWith(SYSTEM_TYPE_PREFIX)) {
    throw badInput(`type: "${SYSTEM_TYPE_PREFIX}*" types are reserved for the hub's own events`, ['type']);
  }
  if (!sourceStamped && event.source.type === 'SYSTEM') {
    throw badInput("source.type: SYSTEM is reserved for the hub's own events", ['source', 'type']);
  }
}
