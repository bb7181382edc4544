import type { HubError } from '../errors.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import type { CompiledFilter } from '../filter/index.ts';

export const SortOrder = { ASC: 'ASC', DESC: 'DESC' } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];

export const StatsGroup = { TYPE: 'TYPE', SOURCE: 'SOURCE', HOUR: 'HOUR', DAY: 'DAY' } as const;
export type StatsGroup = (typeof StatsGroup)[keyof typeof StatsGroup];

export type AppendOutcome =
  | { status: 'ACCEPTED'; event: HubEvent }
  /**
   * The idempotency key was seen within the window: nothing new was stored.
   * `completed` is set when this call finished storing the original event on
   * behalf of a publish that was interrupted (a crash between two writes):
   * the caller publishes it, because the interrupted publisher never did.
   */
  | { status: 'DUPLICATE'; originalEventId: string; completed?: HubEvent }
  /** This item could not be stored (the others may have been); safe to retry. */
  | { status: 'FAILED'; error: HubError };

export interface EventQuery {
  filter: CompiledFilter;
  /** Page size, at least 1. */
  first: number;
  /** A position from an earlier page: results continue strictly after it in `order`. */
  after?: number;
  order: SortOrder;
}

export interface EventPage {
  events: HubEvent[];
  hasNextPage: boolean;
}

export interface RangeRequest {
  /** A position: the range starts right after it. */
  after: number;
  filter: CompiledFilter;
  /** Most events per page, at least 1. */
  batch: number;
  /**
   * A position the caller already knows is safe (it came from this store's
   * reads, e.g. the last one the live hub dispatched): the range reaches at
   * least this far even if the store's own look at the head is behind.
   */
  through?: number;
  /** The range ends here at the latest, however far the safe head is. */
  upTo?: number;
}

/** What `countRange` counts: the matching events in (after, through]. */
export interface CountRequest {
  after: number;
  /** A safe position (from `headPosition` or a range's `head`): the count is final. */
  through: number;
  filter: CompiledFilter;
  /** How many ids of the first matching events, in position order, to return. */
  sample: number;
}

export interface RangeCount {
  total: number;
  /** The ids of the first `sample` matching events in position order. */
  sample: string[];
}

export interface EventRange {
  /**
   * Where the range ends: a safe position, at least every position that was
   * safe when the call began (and `through`), at most `upTo`. Every matching
   * event in (after, head] comes out of `pages`; at or below `after` when
   * nothing is safe past it yet.
   */
  head: number;
  /**
   * The matching events of the range in ascending position order, at most
   * `batch` per page, read as they are pulled: on MongoDB one cursor for the
   * whole range rather than a query per page. `return()` releases it early;
   * an error ends it (UNAVAILABLE, or CURSOR_EXPIRED when the events were
   * dropped meanwhile from a store that keeps a window).
   */
  pages: AsyncIterableIterator<HubEvent[]>;
}

/** What `deleteRange` removes: the tenant's oldest events, through `upTo`. */
export interface DeleteRangeRequest {
  /** Every stored position at or below it leaves the store (lowered to the safe head). */
  upTo: number;
  /**
   * A guard: when an event in the range was received at or after this
   * instant, nothing is deleted and the call throws. Retention passes the end
   * of the day it archived, so a bug that would drop an event not yet in a
   * cold segment stops instead.
   */
  receivedBefore: Date;
}

export interface EventStat {
  key: string;
  count: number;
}

/** How many stored events match, counted no further than a limit. */
export interface BoundedCount {
  /** At most the limit asked for. */
  count: number;
  /** More events match than the limit: `count` is the limit, not the total. */
  capped: boolean;
}

/** What the store knows of one idempotency key while its window lasts. */
export interface IdempotencyRecord {
  key: string;
  /** The event the key was first accepted with. */
  eventId: string;
  /**
   * Publishes of the key answered DUPLICATE inside this window. On FerretDB
   * two duplicates at the same instant may count once (its updates are not
   * atomic); on MongoDB and the memory store every one counts.
   */
  duplicates: number;
  lastDuplicateAt: Date | null;
  /** When the key is forgotten and may be accepted again. */
  expiresAt: Date;
}

/**
 * The hub's source of truth (docs/ARCHITECTURE.md §1, §2). Every method is scoped to one
 * tenant: no call returns or counts another tenant's events.
 */
export interface EventStore {
  /**
   * Stores events, returning one outcome per input in input order.
   *
   * - ACCEPTED means durable: the event survives a crash of this process
   *   right after the promise resolves, and it has its position.
   * - Positions are assigned per tenant, strictly increasing; see
   *   `readAfter` for when a position is safe to hand out.
   * - Idempotency: an event whose `metadata.idempotencyKey` was accepted for
   *   the same tenant within the idempotency window is not stored again; its
   *   outcome is DUPLICATE with the original event's id. This holds for
   *   concurrent appends from several hub processes and for a retry after a
   *   crash between any two writes.
   * - Rejects (throws) only when the store as a whole is unreachable; then
   *   nothing in this call was acknowledged.
   */
  append(events: readonly PendingEvent[]): Promise<AppendOutcome[]>;

  /** One event by id, or null when it does not exist in this tenant. */
  get(tenantId: string, id: string): Promise<HubEvent | null>;

  /**
   * The events of these ids that exist in this tenant, in no particular order: one store call
   * for many ids (on a server that scans, one scan instead of one per id).
   */
  getMany(tenantId: string, ids: readonly string[]): Promise<HubEvent[]>;

  /** A page of matching events ordered by position. */
  query(tenantId: string, query: EventQuery): Promise<EventPage>;

  /**
   * How many stored events match, counting at most `limit` of them: a
   * preview's answer, bounded however many events the tenant has (on
   * MongoDB the server stops at `limit + 1` documents).
   */
  count(tenantId: string, filter: CompiledFilter, limit: number): Promise<BoundedCount>;

  /**
   * The key's record while it is remembered (the idempotency window), else
   * null: its original event and how many publishes it turned away.
   */
  idempotencyRecord(tenantId: string, key: string): Promise<IdempotencyRecord | null>;

  /** Counts of matching events grouped by type, `source.type:source.id`, hour or day of `timestamp` (UTC). */
  stats(tenantId: string, filter: CompiledFilter, groupBy: StatsGroup): Promise<EventStat[]>;

  /**
   * Up to `limit` matching events with a position greater than `after`, in
   * ascending position order, for catch-up before live delivery.
   *
   * Only safe positions are returned: once an event at position p has been
   * returned, no event with a position below p can appear later. A reader
   * that resumes from the last position it saw therefore misses nothing.
   *
   * Throws CURSOR_EXPIRED when `after` is older than the oldest position the
   * store still serves, or newer than any position it handed out.
   */
  readAfter(tenantId: string, after: number, filter: CompiledFilter, limit: number): Promise<HubEvent[]>;

  /**
   * Every matching event after `request.after` up to a safe head fixed when
   * the call resolves, page by page as the caller pulls them: for catch-up,
   * handler lines and replays, which may read far. The same safety rule as
   * `readAfter`; nothing appended after the call is included. Throws
   * CURSOR_EXPIRED like `readAfter` when `after` is too old, or newer than
   * any position handed out.
   */
  readRange(tenantId: string, request: RangeRequest): Promise<EventRange>;

  /**
   * How many events of a range match, and the first few ids: what a replay
   * reports before it runs. Cheaper than reading the range (on MongoDB the
   * events are not sorted nor sent whole), so a count does not cost live
   * traffic a second full read. Throws CURSOR_EXPIRED when `after` is below
   * what the store still serves.
   */
  countRange(tenantId: string, request: CountRequest): Promise<RangeCount>;

  /**
   * Every tenant that has stored events (in no particular order), for work
   * that runs per tenant, such as handler lines. The only call that spans
   * tenants: it names them and shows nothing of their events.
   */
  tenants(): Promise<string[]>;

  /**
   * A cheap hint for pollers (0 for a tenant without events): at least every
   * position handed out by appends that have returned, and so at least the
   * safe head, except that on FerretDB a lost concurrent update can leave it
   * behind until the next append. So a poller still reads the safe head now
   * and then. It only says whether anything may be new; never hand it out.
   */
  positionHint(tenantId: string): Promise<number>;

  /** The highest safe position of the tenant (0 when it has no events yet). */
  headPosition(tenantId: string): Promise<number>;

  /**
   * Removes the tenant's events at positions up to `upTo` (retention, once
   * they are safe in a cold segment); returns how many it removed.
   *
   * - The range is a prefix: afterwards the store serves no position at or
   *   below `upTo` and every position above it as before. Reads from below it
   *   (`after` < `purgedThrough`) throw CURSOR_EXPIRED naming the oldest
   *   position still served; a page or range being read when it happens ends
   *   with CURSOR_EXPIRED rather than silently skip what left.
   * - Idempotent: repeating it (after a crash part-way, say) finishes the
   *   work and deletes nothing twice; a lower `upTo` than before does nothing.
   * - Throws, deleting nothing, when `receivedBefore` would be crossed.
   */
  deleteRange(tenantId: string, request: DeleteRangeRequest): Promise<number>;

  /**
   * The highest position that has left the store (0 when none has): reads
   * with `after` at or above it are served. Raised by `deleteRange`, and on a
   * store that keeps a window, by eviction.
   */
  purgedThrough(tenantId: string): Promise<number>;

  /** Resolves when the store answers; rejects otherwise. Cheap enough to poll every second. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
