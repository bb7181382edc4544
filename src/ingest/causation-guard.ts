import { badInput } from '../errors.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import type { EventStore } from '../store/event-store.ts';

/** Depths remembered by event id, so a handler's follow-ups cost no store reads: the last 25,000 to 50,000. */
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
  const depths = createDepthMemory(REMEMBERED);
  const remember = depths.set;

  /**
   * Depth of a stored event (null when `id` is not one), walking up its
   * causes; past `budget` more steps the answer is only "too deep" (Infinity).
   */
  async function depthOf(tenantId: string, id: string, budget: number): Promise<number | null> {
    const known = depths.get(tenantId, id);
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
        known?.id === cause && known.tenantId === event.tenantId && depths.get(event.tenantId, cause) === undefined;
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

/**
 * Depths by tenant and event id (a tenant naming another tenant's event as its cause learns nothing
 * from it), in two generations of `capacity / 2`: writes go to the newer; when it is full it becomes
 * the older and the older is dropped. Every operation is constant time. (Evicting the oldest entry of
 * one Map on every write, as this did before, walked the deleted slots at the front of V8's table
 * on every publish.)
 */
function createDepthMemory(capacity: number) {
  let newer = new Map<string, Map<string, number>>();
  let older = new Map<string, Map<string, number>>();
  let written = 0;
  return {
    get: (tenantId: string, eventId: string): number | undefined =>
      newer.get(tenantId)?.get(eventId) ?? older.get(tenantId)?.get(eventId),
    set(tenantId: string, eventId: string, depth: number): void {
      let tenant = newer.get(tenantId);
      if (tenant === undefined) {
        tenant = new Map();
        newer.set(tenantId, tenant);
      }
      tenant.set(eventId, depth);
      if (++written < capacity / 2) return;
      older = newer;
      newer = new Map();
      written = 0;
    },
  };
}
