import type { HandlerOutcome } from './handler-store.ts';

/** Outcomes kept per tenant by the memory store before the oldest events' are dropped. */
export const DEFAULT_MAX_OUTCOMES_PER_TENANT = 100_000;

export interface MemoryOutcomes {
  record(outcome: HandlerOutcome): void;
  of(tenantId: string, eventIds: readonly string[]): HandlerOutcome[];
  clear(): void;
}

/**
 * The memory store's processing trail: per tenant, per event, per handler.
 * Events are kept in the order of their first outcome; past `maxPerTenant`
 * outcomes in a tenant the oldest events' are dropped, so an embedded hub
 * running for weeks does not grow without bound.
 */
export function createMemoryOutcomes(maxPerTenant = DEFAULT_MAX_OUTCOMES_PER_TENANT): MemoryOutcomes {
  const tenants = new Map<string, { events: Map<string, Map<string, HandlerOutcome>>; size: number }>();

  function dropOldest(trail: { events: Map<string, Map<string, HandlerOutcome>>; size: number }): void {
    for (const [eventId, byHandler] of trail.events) {
      if (trail.size <= maxPerTenant) return;
      trail.events.delete(eventId);
      trail.size -= byHandler.size;
    }
  }

  return {
    record(outcome) {
      let trail = tenants.get(outcome.tenantId);
      if (!trail) {
        trail = { events: new Map(), size: 0 };
        tenants.set(outcome.tenantId, trail);
      }
      let byHandler = trail.events.get(outcome.eventId);
      if (!byHandler) {
        byHandler = new Map();
        trail.events.set(outcome.eventId, byHandler);
      }
      const earlier = byHandler.get(outcome.handler);
      if (!earlier) trail.size += 1;
      const copy = structuredClone(outcome);
      byHandler.set(outcome.handler, earlier ? { ...copy, firstAttemptAt: earlier.firstAttemptAt } : copy);
      dropOldest(trail);
    },
    of(tenantId, eventIds) {
      const events = tenants.get(tenantId)?.events;
      if (!events) return [];
      return [...new Set(eventIds)].flatMap((id) =>
        [...(events.get(id)?.values() ?? [])].map((o) => structuredClone(o)),
      );
    },
    clear() {
      tenants.clear();
    },
  };
}
