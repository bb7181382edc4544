import { cursorExpired } from '../errors.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import { encodePosition } from '../events/position.ts';
import { createMatcher, type CompiledFilter, type EventMatcher } from '../filter/index.ts';
import { pageLeftStore, tooRecent } from './purged-range.ts';
import type {
  AppendOutcome,
  CountRequest,
  DeleteRangeRequest,
  EventPage,
  EventQuery,
  EventStore,
  RangeRequest,
  StatsGroup,
} from './event-store.ts';
import { groupKey, sortStats } from './stats-keys.ts';

export interface MemoryEventStoreOptions {
  /** How long an idempotency key is remembered (HUB_IDEMPOTENCY_WINDOW_MS, default 24 h). */
  idempotencyWindowMs: number;
  /** Oldest events are dropped past this many per tenant; reading before them is CURSOR_EXPIRED. */
  maxEventsPerTenant?: number;
  now?: () => number;
}

interface TenantLog {
  /**
   * events[start + i] has position firstPosition + i; the `start` entries
   * before it are dropped ones not yet compacted away. Dropping moves `start`
   * and compacting happens once half the array is dropped, because
   * `Array.shift` copies the whole array on every eviction.
   */
  events: HubEvent[];
  start: number;
  firstPosition: number;
  byId: Map<string, HubEvent>;
  /** idempotency key → original event. */
  claims: Map<string, Claim>;
  /**
   * The claims in acceptance order, so expiry takes them from the front: claimOrder[claimStart] is the
   * oldest not yet swept. (Sweeping the Map itself from its front walked every slot V8 keeps for
   * the keys deleted before, on every keyed publish.)
   */
  claimOrder: { key: string; claim: Claim }[];
  claimStart: number;
}

interface Claim {
  eventId: string;
  at: number;
  duplicates: number;
  lastDuplicateAt: number | null;
}

/**
 * The embedded store: everything in this process's memory, lost on exit.
 * Appends commit synchronously, so every position is safe at once.
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions): EventStore {
  const now = options.now ?? Date.now;
  const maxEvents = options.maxEventsPerTenant ?? 100_000;
  const tenants = new Map<string, TenantLog>();

  const log = (tenantId: string): TenantLog => {
    let tenant = tenants.get(tenantId);
    if (!tenant) {
      tenant = {
        events: [],
        start: 0,
        firstPosition: 1,
        byId: new Map(),
        claims: new Map(),
        claimOrder: [],
        claimStart: 0,
      };
      tenants.set(tenantId, tenant);
    }
    return tenant;
  };
  const size = (tenant: TenantLog) => tenant.events.length - tenant.start;
  const head = (tenant: TenantLog) => tenant.firstPosition + size(tenant) - 1;
  const stored = (tenant: TenantLog | undefined) => (tenant ? tenant.events.slice(tenant.start) : []);

  /** The tenant's log, once `after` is known to be a position it can serve from. */
  function checkReadable(tenantId: string, after: number): TenantLog {
    const tenant = log(tenantId);
    if (after < tenant.firstPosition - 1)
      throw cursorExpired(encodePosition(after), 'evicted', tenant.firstPosition - 1);
    if (after > head(tenant)) throw cursorExpired(encodePosition(after), 'beyond-head');
    return tenant;
  }

  /** Up to `limit` matching events in (after, upTo]. */
  function readAfter(tenantId: string, after: number, matches: EventMatcher, limit: number, upTo: number): HubEvent[] {
    const tenant = checkReadable(tenantId, after);
    const result: HubEvent[] = [];
    for (
      let i = tenant.start + after - tenant.firstPosition + 1;
      i < tenant.events.length && result.length < limit;
      i++
    ) {
      const event = tenant.events[i]!;
      if (event.position > upTo) break;
      if (matches(event)) result.push(event);
    }
    return result;
  }

  function dropOldest(tenant: TenantLog): void {
    const dropped = tenant.events[tenant.start]!;
    tenant.byId.delete(dropped.id);
    tenant.start += 1;
    tenant.firstPosition += 1;
    if (tenant.start * 2 >= tenant.events.length) {
      tenant.events = tenant.events.slice(tenant.start);
      tenant.start = 0;
    }
  }

  function appendOne(pending: PendingEvent): AppendOutcome {
    const tenant = log(pending.tenantId);
    const key = pending.metadata.idempotencyKey;
    if (key !== undefined) {
      sweepClaims(tenant, now() - options.idempotencyWindowMs);
      const original = tenant.claims.get(key);
      if (original) {
        original.duplicates += 1;
        original.lastDuplicateAt = now();
        return { status: 'DUPLICATE', originalEventId: original.eventId };
      }
      const claim: Claim = { eventId: pending.id, at: now(), duplicates: 0, lastDuplicateAt: null };
      tenant.claims.set(key, claim);
      tenant.claimOrder.push({ key, claim });
    }
    const event: HubEvent = { ...pending, position: head(tenant) + 1 };
    tenant.events.push(event);
    tenant.byId.set(event.id, event);
    if (size(tenant) > maxEvents) dropOldest(tenant);
    return { status: 'ACCEPTED', event };
  }

  /** Drops the events through `upTo` at once: the prefix is gone for every reader together. */
  function deleteThrough(tenant: TenantLog, upTo: number, receivedBefore: Date): number {
    const count = Math.min(upTo, head(tenant)) - tenant.firstPosition + 1;
    if (count <= 0) return 0;
    const doomed = tenant.events.slice(tenant.start, tenant.start + count);
    if (doomed.some((event) => event.receivedAt >= receivedBefore)) throw tooRecent(receivedBefore);
    for (const event of doomed) tenant.byId.delete(event.id);
    tenant.events = tenant.events.slice(tenant.start + count);
    tenant.start = 0;
    tenant.firstPosition += count;
    return count;
  }

  function matching(tenantId: string, filter: CompiledFilter): HubEvent[] {
    const matches = createMatcher(filter);
    return stored(tenants.get(tenantId)).filter((event) => matches(event));
  }

  return {
    async append(events: readonly PendingEvent[]) {
      return events.map(appendOne);
    },

    async get(tenantId: string, id: string) {
      return tenants.get(tenantId)?.byId.get(id) ?? null;
    },

    async getMany(tenantId: string, ids: readonly string[]) {
      const byId = tenants.get(tenantId)?.byId;
      return [...new Set(ids)].flatMap((id) => byId?.get(id) ?? []);
    },

    async query(tenantId: string, query: EventQuery): Promise<EventPage> {
      const { after, first, order } = query;
      const purged = (tenants.get(tenantId)?.firstPosition ?? 1) - 1;
      if (after !== undefined && pageLeftStore(after, order, purged))
        throw cursorExpired(encodePosition(after), 'evicted', purged);
      let events = matching(tenantId, query.filter);
      if (order === 'DESC') events.reverse();
      if (after !== undefined) {
        events = events.filter((e) => (order === 'ASC' ? e.position > after : e.position < after));
      }
      return { events: events.slice(0, first), hasNextPage: events.length > first };
    },

    async count(tenantId: string, filter: CompiledFilter, limit: number) {
      const matches = createMatcher(filter);
      let count = 0;
      for (const event of stored(tenants.get(tenantId))) {
        if (!matches(event)) continue;
        if (count === limit) return { count, capped: true };
        count += 1;
      }
      return { count, capped: false };
    },

    async idempotencyRecord(tenantId: string, key: string) {
      const claim = tenants.get(tenantId)?.claims.get(key);
      const expiresAt = claim ? claim.at + options.idempotencyWindowMs : 0;
      if (!claim || expiresAt <= now()) return null;
      const lastDuplicateAt = claim.lastDuplicateAt === null ? null : new Date(claim.lastDuplicateAt);
      return {
        key,
        eventId: claim.eventId,
        duplicates: claim.duplicates,
        lastDuplicateAt,
        expiresAt: new Date(expiresAt),
      };
    },

    async stats(tenantId: string, filter: CompiledFilter, groupBy: StatsGroup) {
      const counts = new Map<string, number>();
      for (const event of matching(tenantId, filter)) {
        const key = groupKey(event, groupBy);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return sortStats(
        [...counts].map(([key, count]) => ({ key, count })),
        groupBy,
      );
    },

    async readAfter(tenantId: string, after: number, filter: CompiledFilter, limit: number) {
      return readAfter(tenantId, after, createMatcher(filter), limit, Infinity);
    },

    async readRange(tenantId: string, { after, filter, batch, upTo }: RangeRequest) {
      const rangeHead = Math.min(upTo ?? Infinity, head(checkReadable(tenantId, after)));
      const matches = createMatcher(filter);
      async function* pages(): AsyncGenerator<HubEvent[]> {
        for (let from = after; from < rangeHead; ) {
          const page = readAfter(tenantId, from, matches, batch, rangeHead);
          if (!page.length) return;
          yield page;
          from = page.at(-1)!.position;
        }
      }
      return { head: rangeHead, pages: pages() };
    },

    async countRange(tenantId: string, { after, through, filter, sample }: CountRequest) {
      const tenant = tenants.get(tenantId);
      if (after < 0 || (tenant && after < tenant.firstPosition - 1))
        throw cursorExpired(encodePosition(after), 'evicted', (tenant?.firstPosition ?? 1) - 1);
      const matches = matching(tenantId, filter).filter((event) => event.position > after && event.position <= through);
      return { total: matches.length, sample: matches.slice(0, Math.max(0, sample)).map((event) => event.id) };
    },

    async tenants() {
      return [...tenants.keys()].filter(
        (tenantId) => size(tenants.get(tenantId)!) > 0 || tenants.get(tenantId)!.firstPosition > 1,
      );
    },

    async positionHint(tenantId: string) {
      const tenant = tenants.get(tenantId);
      return tenant ? head(tenant) : 0;
    },

    async headPosition(tenantId: string) {
      const tenant = tenants.get(tenantId);
      return tenant ? head(tenant) : 0;
    },

    async deleteRange(tenantId: string, { upTo, receivedBefore }: DeleteRangeRequest) {
      const tenant = tenants.get(tenantId);
      return tenant ? deleteThrough(tenant, upTo, receivedBefore) : 0;
    },

    async purgedThrough(tenantId: string) {
      return (tenants.get(tenantId)?.firstPosition ?? 1) - 1;
    },

    async ping() {},
    async close() {
      tenants.clear();
    },
  };
}

function sweepClaims(tenant: TenantLog, cutoff: number): void {
  const order = tenant.claimOrder;
  while (tenant.claimStart < order.length && order[tenant.claimStart]!.claim.at <= cutoff) {
    const { key, claim } = order[tenant.claimStart++]!;
    if (tenant.claims.get(key) === claim) tenant.claims.delete(key);
  }
  if (tenant.claimStart * 2 >= order.length && tenant.claimStart > 0) {
    tenant.claimOrder = order.slice(tenant.claimStart);
    tenant.claimStart = 0;
  }
}
