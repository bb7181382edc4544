import { setTimeout as sleep } from 'node:timers/promises';
import type { HubEvent } from '../events/event.ts';
import type { CompiledFilter } from '../filter/index.ts';
import type { Logger } from '../logger.ts';
import { createTokenBucket, type TokenBucket } from '../replay/token-bucket.ts';
import type { EventStore } from '../store/event-store.ts';
import { attemptDelivery } from './delivery-attempt.ts';
import {
  DeliveryStatus,
  newDelivery,
  type EndpointStore,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './endpoint-store.ts';
import type { WebhookClient } from './http-sender.ts';

/** Open deliveries an endpoint may have in the store; past it no more are enqueued until some are done (the events wait in the archive). */
export const DELIVERY_WINDOW = 1000;
/** Events kept in memory for the deliveries enqueued here, so most attempts need no read; the rest are read by id. */
const EVENT_CACHE = 500;

export interface EndpointWorkerOptions {
  endpoint: WebhookEndpoint;
  filter: CompiledFilter;
  store: EventStore;
  endpoints: EndpointStore;
  client: WebhookClient;
  backoffMs: readonly number[];
  /** Deliveries under way at once when the endpoint is not ordered. */
  concurrency: number;
  /** Events read at a time. */
  batch: number;
  /** How long to sleep when nothing wakes the worker: it looks again for due deliveries then. */
  pollMs: number;
  /** False once the endpoint's lease is lost: nothing more is written. */
  holds(): boolean;
  /** Whether an attempt may start: the lease lasts long enough (renewed first when needed). */
  mayStart(): Promise<boolean>;
  /** The endpoint answered 410: disable it. The worker stops after this. */
  onGone(endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<void>;
  /** Told about every attempt (metrics, tests). */
  onAttempt?: (delivery: WebhookDelivery) => void;
  stop: AbortSignal;
  log: Logger;
  now: () => number;
}

export interface EndpointWorker {
  /** Something may have changed: new events past the checkpoint (`events`), or deliveries due again. */
  wake(events: boolean): void;
  /** The endpoint as saved now (a client updated it); used from the next attempt and the next read on. */
  update(endpoint: WebhookEndpoint, filter: CompiledFilter): void;
  /** The checkpoint as this worker last saw it. */
  readonly checkpoint: number;
  /** Settles when the worker stopped (the stop signal, a 410, a lost lease) with nothing under way. */
  readonly done: Promise<void>;
}

/**
 * Delivers one endpoint's events while this process holds its lease. Two
 * steps, both restartable from the store: matching events after the
 * endpoint's checkpoint become PENDING deliveries (then the checkpoint
 * moves), and due deliveries are sent — ordered: the lowest position first,
 * the next only once it is DELIVERED or DEAD; unordered: up to
 * `concurrency` at once. A crash leaves the deliveries under way open, so
 * the next holder sends them again: nothing is lost, and only those repeat.
 */
export function startEndpointWorker(options: EndpointWorkerOptions): EndpointWorker {
  const { store, endpoints, log, now, stop } = options;
  let endpoint = options.endpoint;
  let filter = options.filter;
  let bucket = bucketFor(endpoint);
  let checkpoint = -1;
  let readEvents = true;
  let halted = false;
  /** The last read stopped at DELIVERY_WINDOW: a delivery that ends makes room, so it reads on. */
  let windowFull = false;
  /** Set by `wake`, cleared when a turn starts: a wake during a turn is not slept through. */
  let woken = false;
  let wakeUp: (() => void) | null = null;
  const cache = new Map<string, HubEvent>();
  const inFlight = new Map<string, Promise<void>>();
  /** Unordered: due deliveries read from the store and not started yet, in position order. */
  const due: WebhookDelivery[] = [];

  const worker: EndpointWorker = {
    wake(events) {
      if (events) readEvents = true;
      woken = true;
      wakeUp?.();
    },
    update(next, nextFilter) {
      if (next.rateLimit !== endpoint.rateLimit) bucket = bucketFor(next);
      endpoint = next;
      filter = nextFilter;
      due.length = 0; // read again under the new settings (ordered or not)
      worker.wake(true);
    },
    get checkpoint() {
      return checkpoint;
    },
    done: Promise.resolve(),
  };
  const running = () => !stop.aborted && !halted && options.holds();

  async function loop(): Promise<void> {
    checkpoint = await endpoints.checkpoint(endpoint.id);
    while (running()) {
      woken = false;
      if (readEvents) {
        readEvents = false;
        await enqueueNew();
      }
      const next = await startDue();
      if (!running()) break;
      await waitForChange(next);
    }
    await Promise.all(inFlight.values());
  }

  /** Matching events past the checkpoint become deliveries, until the window is full. */
  async function enqueueNew(): Promise<void> {
    let open = await endpoints.countOpen(endpoint.id, DELIVERY_WINDOW);
    windowFull = open >= DELIVERY_WINDOW;
    if (windowFull) return;
    const range = await store.readRange(endpoint.tenantId, { after: checkpoint, filter, batch: options.batch });
    for await (const events of range.pages) {
      if (!running()) return;
      const at = new Date(now());
      await endpoints.enqueue(
        events.map((event) => newDelivery(endpoint, { eventId: event.id, position: event.position }, at)),
      );
      for (const event of events) if (cache.size < EVENT_CACHE) cache.set(event.id, event);
      checkpoint = events.at(-1)!.position;
      await endpoints.saveCheckpoint(endpoint.id, checkpoint);
      open += events.length;
      if (open >= DELIVERY_WINDOW) {
        windowFull = true;
        return; // leaving the loop closes the cursor; a finished delivery reads on
      }
    }
    if (range.head > checkpoint && running()) {
      checkpoint = range.head;
      await endpoints.saveCheckpoint(endpoint.id, checkpoint);
    }
  }

  /** Starts what is due; returns when the earliest delivery not yet due is (ordered only), else null. */
  async function startDue(): Promise<number | null> {
    if (endpoint.ordered) {
      if (inFlight.size > 0) return null;
      const [head] = await endpoints.open(endpoint.id, { limit: 1 });
      if (!head) return null;
      const due = head.nextAttemptAt?.getTime() ?? 0;
      if (due > now()) return due;
      start(head);
      return null;
    }
    const free = options.concurrency - inFlight.size;
    if (free <= 0) return null;
    // Due deliveries are fetched several slots' worth at a time, not one query per finished request.
    if (due.length < free) {
      const queued = new Set(due.map((d) => d.id));
      const found = await endpoints.open(endpoint.id, {
        limit: options.concurrency * 8 + inFlight.size,
        dueBy: new Date(now()),
      });
      due.push(...found.filter((d) => !inFlight.has(d.id) && !queued.has(d.id)));
    }
    for (const delivery of due.splice(0, free)) start(delivery);
    return null;
  }

  function start(delivery: WebhookDelivery): void {
    const attempt = send(delivery)
      .catch((error: unknown) =>
        log.warn(
          { err: error, endpointId: endpoint.id, deliveryId: delivery.id },
          'webhook delivery attempt failed; trying again',
        ),
      )
      .finally(() => {
        inFlight.delete(delivery.id);
        wakeUp?.();
      });
    inFlight.set(delivery.id, attempt);
  }

  async function send(delivery: WebhookDelivery): Promise<void> {
    if (bucket && !(await bucket.take(1, stop))) return;
    if (!(await options.mayStart())) {
      halted = true;
      return;
    }
    const event = cache.get(delivery.eventId) ?? (await store.get(endpoint.tenantId, delivery.eventId));
    if (!event)
      return await save({
        ...withoutDue(delivery),
        status: DeliveryStatus.DEAD,
        lastResponse: 'the event is no longer stored',
        updatedAt: new Date(now()),
      });
    const sentTo = endpoint;
    const { delivery: after, gone } = await attemptDelivery(
      sentTo,
      delivery,
      event,
      options.client,
      options.backoffMs,
      stop,
      now,
    );
    if (stop.aborted) return; // cut short by the shutdown: not an attempt; the next holder sends it again
    if (after.status !== DeliveryStatus.FAILED || gone) cache.delete(delivery.eventId);
    await save(after);
    options.onAttempt?.(after);
    if (windowFull && after.status !== DeliveryStatus.FAILED) readEvents = true;
    if (gone && options.holds()) {
      halted = true;
      await options.onGone(sentTo, after);
    }
  }

  async function save(delivery: WebhookDelivery): Promise<void> {
    if (options.holds()) await endpoints.saveDelivery(delivery);
  }

  /** Until something is done, woken, due (`dueAt`), stopped, or a poll interval passed. */
  async function waitForChange(dueAt: number | null): Promise<void> {
    if (woken) return;
    const timer = new AbortController();
    const waits: Promise<unknown>[] = [...inFlight.values()];
    waits.push(new Promise<void>((resolve) => (wakeUp = resolve)));
    const ms = Math.min(options.pollMs, dueAt === null ? Infinity : Math.max(0, dueAt - now()));
    waits.push(sleep(ms, undefined, { signal: timer.signal }).catch(() => {}));
    waits.push(
      new Promise<void>((resolve) =>
        stop.addEventListener('abort', () => resolve(), { once: true, signal: timer.signal }),
      ),
    );
    await Promise.race(waits);
    wakeUp = null;
    timer.abort();
  }

  (worker as { done: Promise<void> }).done = loop().catch((error: unknown) => {
    log.warn({ err: error, endpointId: endpoint.id }, 'webhook endpoint worker failed; the next poll starts it again');
  });
  return worker;
}

function bucketFor(endpoint: WebhookEndpoint): TokenBucket | null {
  return endpoint.rateLimit > 0
    ? createTokenBucket({
        ratePerSecond: endpoint.rateLimit,
        capacity: Math.max(1, Math.ceil(endpoint.rateLimit / 10)),
      })
    : null;
}

function withoutDue(delivery: WebhookDelivery): WebhookDelivery {
  const { nextAttemptAt: _due, ...rest } = delivery;
  return rest;
}
