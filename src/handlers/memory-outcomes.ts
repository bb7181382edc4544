import type { HandlerOutcome } from './handler-store.ts';

/** Outcomes kept per tenant by the memory store before the oldest events' are dropped. */
export const DEFAULT_MAX_OUTCOMES_PER_TENANT = 100_000;

export interface MemoryOutcomes {
  record(outcome: HandlerOutcome): void;
  of(tenantId: string, eventIds: readonly string[]): HandlerOutcome[];
  clear(): void;
}

/**
 * One tenant's trail. `order` holds the event ids in the order of their first outcome, the oldest
 * kept at `order[start]`: dropping takes them from there. (Iterating `events` from its front
 * instead walks the slots V8 keeps for every key deleted before, more with every drop.)
 */
interface Trail {
  events: Map<string, Map<string, HandlerOutcome>>;
  order: string[];
  start: number;
  /** Outcomes held, across events and handlers. */
  size: number;
}

/**
 * The memory store's processing trail: per tenant, per event, per handler.
 * Events are kept in the order of their first outcome; past `maxPerTenant`
 * outcomes in a tenant the oldest events' are dropped, so an embedded hub
 * running for weeks does not grow without bound.
 */
export function createMemoryOutcomes(maxPerTenant = DEFAULT_MAX_OUTCOMES_PER_TENANT): MemoryOutcomes {
  const tenants = new Map<string, Trail>();

  function dropOldest(trail: Trail): void {
    while (trail.size > maxPerTenant && trail.start < trail.order.length) {
      const eventId = trail.order[trail.start++]!;
      trail.size -= trail.events.get(eventId)?.size ?? 0;
      trail.events.delete(eventId);
    }
    if (trail.start > 0 && trail.start * 2 >= trail.order.length) {
      trail.order = trail.order.slice(trail.start);
      trail.start = 0;
    }
  }

  return {
    record(outcome) {
      let trail = tenants.get(outcome.tenantId);
      if (!trail) {
        trail = { events: new Map(), order: [], start: 0, size: 0 };
        tenants.set(outcome.tenantId, trail);
      }
      let byHandler = trail.events.get(outcome.eventId);
      if (!byHandler) {
        byHandler = new Map();
        trail.events.set(outcome.eventId, byHandler);
        trail.order.push(outcome.eventId);
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
