import { badInput } from '../errors.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import type { EventStore } from '../store/event-store.ts';

/** Depths remembered by event id, so a handler's follow-ups cost no store reads. */
const REMEMBERED = 50_000;

export interface CausationGuard {
  /**
   * The event's depth: 0 without a causationId, else 1 + its cause's depth
   * (1 when the cause is not a stored event of the tenant, e.g. an id from
   * another system). Throws BAD_USER_INPUT past `maxDepth`. `cause`, when the
   * caller holds the event's cause already, saves reading it.
   */
  check(event: PendingEvent, cause?: HubEvent): Promise<number>;
  /** Records the depth of an event that was stored. */
  remember(tenantId: string, eventId: string, depth: number): void;
}

/**
 * Stops event storms (HUB_MAX_CAUSATION_DEPTH): a handler that reacts to its own
 * follow-ups, directly or through others, builds a causation chain, and the
 * chain is refused once it is deeper than `maxDepth`.
 */
export function createCausationGuard({ store, maxDepth }: { store: EventStore; maxDepth: number }): CausationGuard {
  /** By `tenantId/eventId`: a tenant naming another tenant's event as its cause learns nothing from it. */
  const depths = new Map<string, number>();

  function remember(tenantId: string, eventId: string, depth: number): void {
    depths.set(`${tenantId}/${eventId}`, depth);
    if (depths.size > REMEMBERED) depths.delete(depths.keys().next().value!);
  }

  /**
   * Depth of a stored event (null when `id` is not one), walking up its
   * causes; past `budget` more steps the answer is only "too deep" (Infinity).
   */
  async function depthOf(tenantId: string, id: string, budget: number): Promise<number | null> {
    const known = depths.get(`${tenantId}/${id}`);
    if (known !== undefined) return known;
    if (budget < 0) return Infinity;
    const event = await store.get(tenantId, id);
    return event ? depthOfStored(event, budget) : null;
  }

  async function depthOfStored(event: HubEvent, budget: number): Promise<number> {
    const cause = event.metadata.causationId;
    const depth = cause === undefined ? 0 : 1 + ((await depthOf(event.tenantId, cause, budget - 1)) ?? 0);
    if (Number.isFinite(depth)) remember(event.tenantId, event.id, depth);
    return depth;
  }

  return {
    remember,
    async check(event, known) {
      const cause = event.metadata.causationId;
      if (cause === undefined) return 0;
      const held =
        known?.id === cause && known.tenantId === event.tenantId && !depths.has(`${event.tenantId}/${cause}`);
      const depth =
        1 + ((held ? await depthOfStored(known, maxDepth) : await depthOf(event.tenantId, cause, maxDepth)) ?? 0);
      if (depth > maxDepth) {
        throw badInput(
          `the causation chain is deeper than ${maxDepth} events (an event storm?); the event was not stored`,
          ['metadata', 'causationId'],
        );
      }
      return depth;
    },
  };
}
