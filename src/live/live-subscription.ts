import type { HubEvent } from '../events/event.ts';
import { createMatcher, type CompiledFilter, type EventMatcher } from '../filter/index.ts';
import type { EventRange, EventStore } from '../store/event-store.ts';
import { eventBytes, type ConnectionBudget } from './connection-budget.ts';
import { connectionOverflow, slowConsumer, type ResumePoint } from './slow-consumer.ts';

export interface SubscribeRequest {
  tenantId: string;
  filter: CompiledFilter;
  /** A position: deliver every stored matching event after it, then go live. Absent: live from now. */
  after?: number;
  /** Aborting ends the stream (the iterator finishes, it does not throw). */
  signal?: AbortSignal;
  /** Takes live events past the iterator while the consumer keeps up. */
  deliver?: DirectDelivery | undefined;
  /**
   * The unsent bytes of the connection this stream goes out on, shared with
   * its other subscriptions. Live events queued here and each event handed to
   * the consumer count until the consumer asks for the next one (it has then
   * written the previous one); over the budget, every subscription on the
   * connection ends with SLOW_CONSUMER.
   */
  budget?: ConnectionBudget | undefined;
}

/**
 * Offered a live event instead of the iterator, but only while the consumer
 * waits in `next()` with nothing queued: it has taken every earlier event, so
 * delivering this one itself keeps the order. `offer` returns true when it
 * did (the iterator then never yields that event); false leaves the event to
 * the iterator. Synchronous, and must not throw. It is never offered catch-up
 * events, nor anything while events are queued, so a consumer that falls
 * behind is served and ended (SLOW_CONSUMER) exactly as without it.
 */
export interface DirectDelivery {
  offer(event: HubEvent): boolean;
}

export interface LiveSubscriptionOptions {
  request: SubscribeRequest;
  store: EventStore;
  bufferSize: number;
  catchUpBatch: number;
  /** Told when this subscription is ended for falling behind (metrics). */
  onSlowConsumer?: () => void;
  /** The tenant's sequencer knows its start: catch-up must not read the store before. */
  ready: Promise<void>;
  /** The last position the tenant's sequencer dispatched (safe; read only once `ready`). */
  dispatched: () => number;
  /** Called once when the stream ends for any reason, to unregister it. */
  onEnd: () => void;
}

/** One subscriber: the hub pushes into it, the consumer pulls from `iterator`. */
export interface LiveSubscription {
  readonly matches: EventMatcher;
  /** Synchronous and never blocks: an event that does not fit ends this subscription instead. */
  push(event: HubEvent): void;
  fail(error: Error): void;
  end(): void;
  readonly iterator: AsyncIterableIterator<HubEvent>;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Catch-up, then live, with no gap and no duplicate. Registration (by the
 * hub) happens before the first store read; from then on every event the hub
 * dispatches for this subscription lands in `pending`. The hub dispatches
 * each tenant's positions contiguously from a safe start, so an event
 * dispatched before registration is already readable from the store, and
 * every later one is in `pending`: once a page comes back short, the pages
 * plus `pending` hold every matching event after `after`. Positions at or
 * below the last one queued are dropped at the switch and afterwards.
 *
 * Catch-up reads a range of the store (`readRange`: one cursor) whose head
 * is at least the last position the sequencer dispatched, so the range plus
 * `pending` hold every matching event after `after` once the range is read
 * to its end. It is pulled: the next page is read only when the consumer has
 * taken the previous one. If `pending` overflows meanwhile it is emptied and
 * catch-up reads on with a new range from the old one's head (those events
 * are in the store), switching only after a range opened after the overflow.
 */
export function createLiveSubscription(options: LiveSubscriptionOptions): LiveSubscription {
  const { request, store, bufferSize, catchUpBatch } = options;
  let catchingUp = request.after !== undefined;
  let lastQueued = request.after ?? 0;
  /** Every matching event up to here is queued (catch-up's read position). */
  let horizon = request.after ?? 0;
  let range: EventRange | null = null;
  let lastDelivered: number | null = request.after ?? null;
  let queue: HubEvent[] = [];
  let pending: HubEvent[] = [];
  let pendingOverflowed = false;
  let ended = false;
  let failure: Error | null = null;
  let waiter: { resolve: (result: IteratorResult<HubEvent>) => void; reject: (error: unknown) => void } | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  const budget = request.budget;
  /** Bytes of the charged events in `queue` (live ones; catch-up pages are bounded by their size and charged when handed out). */
  let queuedBytes = 0;
  /** How many events at the front of `queue` are catch-up events, not charged yet. */
  let uncharged = 0;
  /** Bytes of the event last handed to the consumer, held until it asks for the next one. */
  let handedBytes = 0;
  /** Where to resume without losing anything if this ends now; `next` is an event it is about to miss. */
  const resumePoint = (next?: HubEvent): ResumePoint => {
    if (lastDelivered !== null) return { after: lastDelivered, received: true };
    const missed = queue[0] ?? next;
    // Nothing received nor queued: every event after the one being dispatched is still to come.
    return { after: missed ? missed.position - 1 : Math.max(0, options.dispatched() - 1), received: false };
  };
  const leaveBudget = budget?.join({
    overflow: () => {
      if (ended) return;
      options.onSlowConsumer?.();
      finish(connectionOverflow(resumePoint(), budget.limit));
    },
  });

  const deliver = (event: HubEvent): IteratorResult<HubEvent> => {
    lastDelivered = event.position;
    return { done: false, value: event };
  };

  function finish(error: Error | null): void {
    if (ended) return;
    ended = true;
    failure = error;
    leaveBudget?.();
    budget?.give(queuedBytes + handedBytes);
    queuedBytes = handedBytes = uncharged = 0;
    queue = [];
    pending = [];
    void range?.pages.return?.().catch(() => {});
    range = null;
    request.signal?.removeEventListener('abort', onAbort);
    const waiting = waiter;
    waiter = null;
    if (waiting && error) {
      failure = null;
      waiting.reject(error);
    } else waiting?.resolve(DONE);
    options.onEnd();
  }
  const onAbort = () => finish(null);
  request.signal?.addEventListener('abort', onAbort, { once: true });

  function goLive(): void {
    catchingUp = false;
    lastQueued = Math.max(lastQueued, horizon);
    for (const event of pending) {
      if (event.position <= lastQueued) continue;
      queue.push(event);
      uncharged += 1;
      lastQueued = event.position;
    }
    pending = [];
  }

  /** Queues the next page of the catch-up range, opening one when needed; at the range's end, goes live. */
  async function catchUp(): Promise<void> {
    try {
      await options.ready;
      if (!range) {
        pendingOverflowed = false;
        const through = options.dispatched();
        range = await store.readRange(request.tenantId, {
          after: horizon,
          filter: request.filter,
          batch: catchUpBatch,
          through,
        });
      }
      const current = range;
      const page = await current.pages.next();
      if (ended) return;
      if (!page.done) {
        for (const event of page.value) {
          if (event.position <= lastQueued) continue;
          queue.push(event);
          uncharged += 1;
          lastQueued = event.position;
        }
        pending = pending.filter((event) => event.position > lastQueued);
        return;
      }
      range = null;
      horizon = Math.max(horizon, current.head);
      if (!pendingOverflowed) goLive();
      else pending = pending.filter((event) => event.position > horizon);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async function step(): Promise<IteratorResult<HubEvent>> {
    for (;;) {
      if (failure) {
        const error = failure;
        failure = null;
        throw error;
      }
      const event = queue.shift();
      if (event && handOut(event)) return deliver(event);
      if (event) continue; // over the connection's budget: ended, `failure` holds why
      if (ended) return DONE;
      if (!catchingUp) return new Promise((resolve, reject) => (waiter = { resolve, reject }));
      await catchUp();
    }
  }

  /** Moves a dequeued event's bytes to `handedBytes`, charging a catch-up event now; false when it does not fit (then ended). */
  function handOut(event: HubEvent): boolean {
    if (!budget) return true;
    const bytes = eventBytes(event);
    if (uncharged > 0) {
      uncharged -= 1;
      if (!budget.take(bytes)) return false;
    } else queuedBytes -= bytes;
    handedBytes = bytes;
    return true;
  }

  function push(event: HubEvent): void {
    if (ended) return;
    if (catchingUp) {
      pending.push(event);
      if (pending.length > bufferSize) {
        pending = [];
        pendingOverflowed = true;
      }
      return;
    }
    if (event.position <= lastQueued) return;
    lastQueued = event.position;
    if (waiter) {
      if (request.deliver?.offer(event)) {
        lastDelivered = event.position;
        return;
      }
      // Handed over now, its frame is built and written later: it counts until the consumer asks again.
      const bytes = charge(event);
      if (bytes === null) return;
      handedBytes = bytes;
      const waiting = waiter;
      waiter = null;
      waiting.resolve(deliver(event));
    } else if (queue.length >= bufferSize) {
      options.onSlowConsumer?.();
      const { after, received } = resumePoint(event);
      finish(slowConsumer(after, received, bufferSize));
    } else {
      const bytes = charge(event);
      if (bytes === null) return;
      queuedBytes += bytes;
      queue.push(event);
    }
  }

  /** Takes a live event's bytes from the connection's budget; null when over it (every subscription on the connection has ended). */
  function charge(event: HubEvent): number | null {
    if (!budget) return 0;
    const bytes = eventBytes(event);
    return budget.take(bytes) ? bytes : null;
  }

  const iterator: AsyncIterableIterator<HubEvent> = {
    next() {
      // The consumer asks again once it has written what it was handed.
      budget?.give(handedBytes);
      handedBytes = 0;
      // graphql-js pulls one at a time; chaining keeps overlapping calls in order anyway.
      const result = chain.then(step);
      chain = result.catch(() => {});
      return result;
    },
    async return() {
      finish(null);
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    matches: createMatcher(request.filter),
    push,
    fail: (error) => finish(error),
    end: () => finish(null),
    iterator,
  };
}
