import type { PendingEvent } from '../../src/events/event.ts';
import { newEventId } from '../../src/events/ids.ts';

/** The one builder for events in tests: a valid pending event, overridable field by field. */
export function pendingEvent(overrides: Partial<PendingEvent> = {}): PendingEvent {
  const now = new Date();
  return {
    id: newEventId(),
    type: 'crm.contact.created',
    version: '1.0',
    tenantId: 'acme',
    source: { type: 'INTEGRATION', id: 'crm-sync' },
    timestamp: now,
    receivedAt: now,
    payload: { contactId: 'c-1' },
    metadata: {},
    ...overrides,
  };
}

/** A publish input as a client would send it (GraphQL variables shape). */
export function publishInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'crm.contact.created',
    source: { type: 'INTEGRATION', id: 'crm-sync' },
    payload: { contactId: 'c-1', name: 'Ada' },
    ...overrides,
  };
}
