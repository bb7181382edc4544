import type { Logger } from 'pino';
import { ErrorCode, isHubError, unavailable, type HubError } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';
import type { CompiledFilter } from '../filter/index.ts';
import type { EventStore } from '../store/event-store.ts';

export interface TenantSequencerOptions {
  tenantId: string;
  store: EventStore;
  /** Called synchronously, once per position, in ascending position order. */
  dispatch: (event: HubEvent) => void;
  /** The tenant's live stream cannot go on (store lost, gap no longer servable): end its subscriptions. */
  fail: (error: HubError) => void;
  log: Logger;
  /** Page size when filling a gap from the store. */
  fillBatch: number;
  /** Events held behind a gap before the tenant is failed (the store is not catching up). */
  maxHeld: number;
  /**
   * How long a gap may stay open before the store is read to fill it. The
   * bus reorders events of concurrent publishes (they are acknowledged, and
   * so published, in whatever order their writes finish), and the missing
   * position nearly always arrives a few milliseconds later: reading the
   * store at once would be wasted, and on FerretDB every such read scans.
   */
  reorderGraceMs: number;
}

export interface TenantSequencer {
  /** Takes one bus event of this tenant, in whatever order and as often as the bus delivers it. */
  offer(event: HubEvent): void;
  /**
   * Reads the store past the last dispatched position until it has nothing
   * newer, for events the bus never brought (it was down). Safe to call at
   * any time and as often as wanted; calls during a read fold into it.
   */
  catchUp(): void;
  /** Resolves once the starting position is known; only then is anything dispatched. */
  readonly ready: Promise<void>;
  /**
   * The highest position dispatched with nothing missing below it (the start
   * before the first dispatch): safe, since everything up to it is in the
   * store. 0 until `ready`.
   */
  readonly position: number;
  /** Stops dispatching and any gap filling; idempotent. */
  close(): void;
}

const MATCH_ALL: CompiledFilter = { query: {}, typePatterns: null };
const RETRY_DELAYS_MS = [5, 20, 100, 500, 1000] as const;

/**
 * Turns a tenant's bus traffic (at most once, unordered across publishers,
 * possibly duplicated) into a contiguous ascending stream of positions.
 *
 * `dispatched` is the highest position passed on with nothing missing below
 * it. An event at or below it is dropped; the one right after it goes out at
 * once; one beyond a gap is held while the gap is read from the store
 * (`readAfter` returns only safe positions, so what it returns is final and
 * a position it skips is never coming), then held events are released.
 *
 * Starting point: the hub creates a sequencer when a tenant gets its first
 * subscription and drops it with the last one. It starts from the store's
 * safe head (lowered to just before the first bus event that arrived while
 * asking), not from the first bus event: with several publishing instances
 * the first event seen may be position p while p-1 is still uncommitted, and
 * starting at p would drop p-1 for good. Because everything at or below the
 * start is safe and everything after it is dispatched contiguously, every
 * dispatched event is already readable from the store; catch-up relies on
 * that. Limit (multi-instance hardening, a later issue): the start is a
 * snapshot of the head; an event committed just before it whose bus message
 * arrives just after is treated as "before this subscription" and skipped.
 */
export function createTenantSequencer(options: TenantSequencerOptions): TenantSequencer {
  const { tenantId, store, log } = options;
  let dispatched: number | null = null;
  const held = new Map<number, HubEvent>();
  let closed = false;
  let filling = false;
  /** A read past `dispatched` is wanted even with nothing held (catch-up after a bus outage). */
  let readWanted = false;
  const timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let graceTimer: NodeJS.Timeout | null = null;

  const emit = (event: HubEvent) => {
    dispatched = event.position;
    held.delete(event.position);
    options.dispatch(event);
  };

  const release = () => {
    for (let next = held.get(dispatched! + 1); next && !closed; next = held.get(dispatched! + 1)) emit(next);
    for (const position of held.keys()) if (position <= dispatched!) held.delete(position);
  };

  const fail = (error: HubError) => {
    if (closed) return;
    close();
    options.fail(error);
  };

  const sleep = (ms: number) =>
    new Promise<void>((wake) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          wake();
        }, ms),
        wake,
      };
      timers.add(entry);
    });

  async function fill(): Promise<void> {
    if (filling) return;
    filling = true;
    let attempt = 0;
    try {
      while (!closed && (held.size > 0 || readWanted)) {
        readWanted = false;
        let page: HubEvent[];
        try {
          page = await store.readAfter(tenantId, dispatched!, MATCH_ALL, options.fillBatch);
        } catch (error) {
          if (closed) return; // closed while reading (the hub shutting down, its store closing): nothing to retry
          if (isHubError(error) && error.code === ErrorCode.CURSOR_EXPIRED) return fail(error);
          log.warn({ err: error, tenantId, after: dispatched }, 'reading the store failed; retrying');
          readWanted = true;
          await sleep(RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)]!);
          continue;
        }
        if (closed) return;
        for (const event of page) if (event.position > dispatched! && !closed) emit(event);
        release();
        if (page.length === options.fillBatch) readWanted = true; // a full page: there may be more
        // An empty page: the missing positions are not safe yet (a commit in flight elsewhere).
        if (page.length === 0 && held.size > 0)
          await sleep(RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)]!);
        else attempt = 0;
      }
    } finally {
      filling = false;
    }
  }

  /** Fills the gap unless the bus closes it within the grace period. */
  const fillLater = () => {
    if (graceTimer || filling || closed) return;
    graceTimer = setTimeout(() => {
      graceTimer = null;
      if (held.size > 0) void fill();
    }, options.reorderGraceMs);
  };

  const hold = (event: HubEvent) => {
    held.set(event.position, event);
    if (held.size > options.maxHeld) {
      log.error({ tenantId, dispatched, held: held.size }, 'gap not filled; ending live subscriptions');
      fail(unavailable('live delivery for this tenant'));
    }
  };

  const ready = store.headPosition(tenantId).then(
    (head) => {
      if (closed) return;
      const firstHeld = Math.min(...held.keys());
      dispatched = Math.min(head, firstHeld - 1);
      release();
      if (readWanted) void fill();
      else if (held.size > 0) fillLater();
    },
    (error: unknown) => {
      const failure = isHubError(error) ? error : unavailable('the event store', error);
      fail(failure);
      throw failure;
    },
  );
  ready.catch(() => {}); // failure is reported through `fail`; awaiting callers still see it

  function close() {
    closed = true;
    held.clear();
    if (graceTimer) clearTimeout(graceTimer);
    for (const { timer, wake } of timers) {
      clearTimeout(timer);
      wake();
    }
    timers.clear();
  }

  return {
    offer(event) {
      if (closed) return;
      if (dispatched === null) return hold(event);
      if (event.position <= dispatched) return;
      if (event.position === dispatched + 1) {
        emit(event);
        return release();
      }
      hold(event);
      fillLater();
    },
    catchUp() {
      if (closed) return;
      readWanted = true;
      if (dispatched !== null) void fill();
    },
    ready,
    get position() {
      return dispatched ?? 0;
    },
    close,
  };
}
