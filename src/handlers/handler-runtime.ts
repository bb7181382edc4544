import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventBus, BusSubscription } from '../bus/event-bus.ts';
import type { Lease, LeaseStore } from '../coordination/lease-store.ts';
import type { HubEvent } from '../events/event.ts';
import { compileFilter, createMatcher, type CompiledFilter, type EventMatcher } from '../filter/index.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import type { HubHandler } from './handler.ts';
import type { HandlerStore } from './handler-store.ts';
import { drainLine, type HandlerObserver, type RetryPolicy } from './line-worker.ts';
import { processingOf, type EventProcessing } from './processing-trail.ts';
import { createShownPositions, type ShownPositions } from './shown-positions.ts';

export interface HandlerStatus {
  name: string;
  eventTypes: readonly string[];
  priority: number;
  processed: number;
  failed: number;
  /** Positions of the tenant the handler has not looked at yet. */
  lag: number;
}

export interface HandlerRuntime {
  /** Listens on the bus and starts the lines that have work; resolves once listening. */
  start(): Promise<void>;
  /** Every handler's progress in one tenant. */
  status(tenantId: string): Promise<HandlerStatus[]>;
  /** For each event of the tenant, what each handler of this hub matching it did with it (`Event.processing`). */
  processing(tenantId: string, events: readonly HubEvent[]): Promise<EventProcessing[][]>;
  /** Looks for work in these tenants now (e.g. after a redrive) instead of at the next poll. */
  poke(tenantId: string): void;
  /** Stops every line after the event in hand, saves where it stands and releases its lease. */
  close(): Promise<void>;
}

export interface HandlerRuntimeOptions {
  handlers: readonly HubHandler[];
  store: EventStore;
  handlerStore: HandlerStore;
  leases: LeaseStore;
  bus: EventBus;
  ingest: Ingest;
  policy: RetryPolicy;
  /** How long a line's lease lasts without renewal; renewed every third of it. */
  leaseMs: number;
  /** How often every tenant is checked for work the bus did not announce (lost messages, other processes' lines). Default 1000. */
  pollMs?: number;
  /** Events read at a time per line. Default 100. */
  batch?: number;
  /** Told about every attempt and dead letter (metrics). */
  observer?: HandlerObserver;
  log: Logger;
  now?: () => number;
}

interface CompiledHandler {
  handler: HubHandler;
  filter: CompiledFilter;
  matches: EventMatcher;
}

interface RunningLine {
  lease: Lease;
  /** Where the line stood after its last pass: a wake with a lower mark finds nothing new. */
  position: number;
  /** False once a renewal found the lease taken: the line stops and writes nothing more. */
  holds: boolean;
  /** The renewal in flight, shared by the timer and a line waiting to start an event. */
  renewing: Promise<void> | null;
  controller: AbortController;
  /**
   * Another pass once the current one ends: a read past `position` (the
   * caller found work there or redriven letters), or with `skipTo`, only a
   * checkpoint moved to it (the bus showed every position up to it and none
   * matched). A read wins over a skip.
   */
  wake(skipTo?: number): void;
  done: Promise<void>;
}

/**
 * Most polls compare each tenant's cheap position hint with the lines; every
 * FULL_CHECK_EVERY-th one reads the safe head (usually two `_id` reads, see
 * positions.ts) and looks for redriven dead letters. Either way a line is
 * woken only when it has work, so an idle hub does not read the archive.
 */
const FULL_CHECK_EVERY = 10;

/**
 * Runs typed handlers (docs/HANDLERS.md): per handler and tenant a "line" that
 * one process at a time works through, holding a lease. The store decides
 * everything: checkpoints and dead letters live there, and every process
 * polls it, so a lost Redis message or a dead process delays work but never
 * loses it. The bus only wakes lines up early.
 */
export function createHandlerRuntime(options: HandlerRuntimeOptions): HandlerRuntime {
  const { store, handlerStore, leases, bus, log } = options;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1000;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // A shadow handler is a candidate version: it runs in SHADOW replays only, never on live events.
  const compiled: CompiledHandler[] = options.handlers
    .filter((handler) => handler.shadows === undefined)
    .sort((a, b) => b.priority - a.priority)
    .map((handler) => {
      const filter = compileFilter({ types: [...handler.eventTypes] });
      return { handler, filter, matches: createMatcher(filter) };
    });
  const trailHandlers = compiled.map(({ handler, matches }) => ({ name: handler.name, matches }));
  const lines = new Map<string, RunningLine>();
  const lineKey = (handler: string, tenantId: string) => JSON.stringify([handler, tenantId]);
  let busSubscription: BusSubscription | null = null;
  let timers: NodeJS.Timeout[] = [];
  let closed = false;
  let scanning: Promise<void> | null = null;
  let rescan: { tenants: Set<string> | 'all'; full: boolean } | null = null;
  let polls = 0;
  // What the bus has told this process since it started: per tenant the positions it showed, and
  // per line the highest position of an event it matches. See `workOf`.
  const busShown = new Map<string, ShownPositions>();
  const busMatched = new Map<string, number>();
  // Per tenant, the latest position hint read and the one read at least a poll before it. See `workOf`.
  const hints = new Map<string, { settled: number; latest: number; at: number }>();

  /** Records a poll's hint; returns the part of it proposed at least a poll ago. */
  function settledPart(tenantId: string, hint: number): number {
    const at = now();
    const seen = hints.get(tenantId);
    if (!seen) hints.set(tenantId, { settled: hint, latest: hint, at });
    else if (at - seen.at >= pollMs) hints.set(tenantId, { settled: seen.latest, latest: hint, at });
    return Math.min(hint, hints.get(tenantId)!.settled);
  }

  /**
   * What a line has to do: `events` (read past its position, or redriven dead
   * letters), `skip` (move its checkpoint to `mark` without reading) or
   * `none`. The bus tells this process what most new events are, so a line
   * whose handler matches none of a busy tenant's traffic does not read the
   * archive for it (on FerretDB each read is a scan):
   *
   * - When the bus showed every position up to `mark` and none matched, a
   *   full check moves the checkpoint there (`skip`, one write) and a plain
   *   poll does nothing. A position it never showed (a lost message, a gap
   *   tombstone) leaves a hole, and a full check reads across it.
   * - Otherwise a plain poll still lets the line sleep when the bus showed
   *   traffic up to the hint of the poll before and none of it matched. The
   *   hint counts positions proposed to writers, and under steady traffic
   *   some publish is nearly always between its proposal and its bus
   *   message; one proposed a whole poll ago and not shown means a lost
   *   message, or a writer without a shared bus. A full check reads
   *   regardless, so a lost bus message delays work by at most
   *   FULL_CHECK_EVERY polls.
   */
  async function workOf(
    { handler }: CompiledHandler,
    tenantId: string,
    mark: number,
    settled: number,
    full: boolean,
  ): Promise<'events' | 'skip' | 'none'> {
    const key = lineKey(handler.name, tenantId);
    const position = lines.get(key)?.position ?? (await handlerStore.line(handler.name, tenantId))?.position ?? 0;
    const redriven = async () => full && (await handlerStore.redriven(handler.name, tenantId, 1)).length > 0;
    if (mark <= position) return (await redriven()) ? 'events' : 'none';
    const noneMatched = (busMatched.get(key) ?? 0) <= position;
    if (noneMatched && busShown.get(tenantId)?.covers(position, mark)) {
      if (!full) return 'none';
      return (await redriven()) ? 'events' : 'skip';
    }
    const busShowedAll = (busShown.get(tenantId)?.highest() ?? 0) >= settled;
    return full || !busShowedAll || !noneMatched ? 'events' : 'none';
  }

  /**
   * Wakes the running lines of `tenants` (all when omitted) that may have
   * work, and starts those not running whose lease is free. `full` reads the
   * safe head and redriven dead letters instead of trusting the hint.
   */
  function scan(tenants?: readonly string[], full = false): Promise<void> {
    if (closed) return Promise.resolve();
    if (scanning) {
      const queued =
        tenants === undefined || rescan?.tenants === 'all' ? 'all' : new Set([...(rescan?.tenants ?? []), ...tenants]);
      rescan = { tenants: queued, full: full || (rescan?.full ?? false) };
      return scanning;
    }
    // `.finally` runs after this assignment even when the scan finishes without waiting on anything.
    scanning = scanTenants(tenants, full).finally(() => {
      scanning = null;
      const again = rescan;
      rescan = null;
      if (again) void scan(again.tenants === 'all' ? undefined : [...again.tenants], again.full);
    });
    return scanning;
  }

  async function scanTenants(tenants: readonly string[] | undefined, full: boolean): Promise<void> {
    try {
      for (const tenantId of tenants ?? (await store.tenants())) {
        const mark = full ? await store.headPosition(tenantId) : await store.positionHint(tenantId);
        const settled = full ? mark : settledPart(tenantId, mark);
        for (const entry of compiled) {
          if (closed) return;
          const running = lines.get(lineKey(entry.handler.name, tenantId));
          // A line with nothing past its position and no redriven letters is left asleep: a pass would read for nothing.
          const work = await workOf(entry, tenantId, mark, settled, full);
          if (work === 'none') continue;
          const skipTo = work === 'skip' ? mark : undefined;
          if (running) {
            running.wake(skipTo);
          } else {
            const lease = await leases.acquire(`handler:${entry.handler.name}:${tenantId}`, owner, options.leaseMs);
            if (lease) startLine(entry, tenantId, lease, skipTo);
          }
        }
      }
    } catch (error) {
      log.warn({ err: error }, 'looking for handler work failed; trying again at the next poll');
    }
  }

  function startLine(entry: CompiledHandler, tenantId: string, lease: Lease, skipTo?: number): void {
    const key = lineKey(entry.handler.name, tenantId);
    const controller = new AbortController();
    // What the next pass does: read (`pending`), else move the checkpoint to `skip`.
    let pending = skipTo === undefined;
    let skip = skipTo;
    let wakeUp: (() => void) | null = null;
    const line: RunningLine = {
      lease,
      position: 0,
      holds: true,
      renewing: null,
      controller,
      wake(skipTo) {
        if (skipTo === undefined) pending = true;
        else skip = Math.max(skip ?? 0, skipTo);
        wakeUp?.();
      },
      done: Promise.resolve(),
    };
    lines.set(key, line);
    log.debug({ handler: entry.handler.name, tenantId, epoch: lease.epoch }, 'handler line taken');
    line.done = (async () => {
      while (!controller.signal.aborted) {
        const skipTo = pending ? undefined : skip;
        pending = false;
        skip = undefined;
        try {
          line.position = await drainLine({
            ...(skipTo !== undefined && { skipTo }),
            handler: entry.handler,
            filter: entry.filter,
            tenantId,
            store,
            handlerStore,
            ingest: options.ingest,
            policy: options.policy,
            batch: options.batch ?? 100,
            stop: controller.signal,
            holds: () => line.holds,
            mayStart: () => leaseLasts(key, line),
            ...(options.observer && { observer: options.observer }),
            now,
            log,
          });
        } catch (error) {
          log.warn(
            { err: error, handler: entry.handler.name, tenantId },
            'handler line failed; retrying at the next poll',
          );
          pending = false;
        }
        if (pending || skip !== undefined || controller.signal.aborted) continue;
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          wakeUp = () => {
            controller.signal.removeEventListener('abort', stop);
            resolve();
          };
          controller.signal.addEventListener('abort', stop, { once: true });
        });
        wakeUp = null;
      }
      lines.delete(key);
      if (line.holds)
        await leases
          .release(line.lease)
          .catch((error: unknown) => log.warn({ err: error }, 'releasing a handler lease failed'));
    })();
  }

  /** Renews one line's lease; a caller arriving while a renewal is in flight shares it. */
  function renew(key: string, line: RunningLine): Promise<void> {
    line.renewing ??= (async () => {
      try {
        const renewed = await leases.renew(line.lease, options.leaseMs);
        if (renewed) {
          line.lease = renewed;
          return;
        }
        line.holds = false;
        log.warn({ line: key }, 'handler lease lost to another process; stopping the line here');
        line.controller.abort(new Error('lease lost'));
      } catch (error) {
        log.warn({ err: error, line: key }, 'renewing a handler lease failed; trying again');
      } finally {
        line.renewing = null;
      }
    })();
    return line.renewing;
  }

  /** All at once: one slow renewal must not hold the others back until their leases run out. */
  async function renewLeases(): Promise<void> {
    await Promise.all([...lines].filter(([, line]) => line.holds).map(([key, line]) => renew(key, line)));
  }

  /**
   * Whether the line may start an event: its lease is held and lasts at
   * least a third of its time more. When the renewals have fallen behind
   * (a busy process, a slow store), it renews first: a lease that ran out
   * may have been taken by another process, which handles the same events.
   */
  async function leaseLasts(key: string, line: RunningLine): Promise<boolean> {
    const lasts = () => line.holds && line.lease.expiresAt - now() > options.leaseMs / 3;
    if (lasts()) return true;
    await renew(key, line);
    return lasts();
  }

  function onBusEvent(event: HubEvent): void {
    const { tenantId, position } = event;
    let shown = busShown.get(tenantId);
    if (!shown) {
      shown = createShownPositions();
      busShown.set(tenantId, shown);
    }
    shown.add(position);
    let matched = false;
    for (const entry of compiled) {
      if (!entry.matches(event)) continue;
      matched = true;
      const key = lineKey(entry.handler.name, tenantId);
      if (position > (busMatched.get(key) ?? 0)) busMatched.set(key, position);
    }
    if (matched) void scan([tenantId]);
  }

  return {
    async start() {
      if (compiled.length === 0) return;
      busSubscription = await bus.subscribe(onBusEvent);
      timers = [
        setInterval(() => void scan(undefined, ++polls % FULL_CHECK_EVERY === 0), pollMs),
        setInterval(() => void renewLeases(), Math.max(50, Math.floor(options.leaseMs / 3))),
      ];
      for (const timer of timers) timer.unref();
      void scan(undefined, true);
    },

    async status(tenantId) {
      const [states, head] = await Promise.all([handlerStore.lines(tenantId), store.headPosition(tenantId)]);
      return compiled.map(({ handler }) => {
        const state = states.find((s) => s.handler === handler.name);
        return {
          name: handler.name,
          eventTypes: handler.eventTypes,
          priority: handler.priority,
          processed: state?.processed ?? 0,
          failed: state?.failed ?? 0,
          lag: Math.max(0, head - (state?.position ?? 0)),
        };
      });
    },

    processing(tenantId, events) {
      return processingOf(handlerStore, trailHandlers, tenantId, events);
    },

    poke(tenantId) {
      void scan([tenantId], true);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      await busSubscription?.close();
      await scanning;
      const running = [...lines.values()];
      for (const line of running) line.controller.abort(new Error('hub shutting down'));
      await Promise.all(running.map((line) => line.done));
    },
  };
}
