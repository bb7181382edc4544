import type { HubEvent } from '../events/event.ts';
import type { CompiledFilter, EventMatcher } from '../filter/index.ts';
import type { EventRange, EventStore } from '../store/event-store.ts';
import { eventBytes, type BudgetMember, type ConnectionBudget } from './connection-budget.ts';
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

/**
 * What the hub shares with every subscription of one tenant: one object per
 * tenant, not closures per subscription.
 */
export interface LiveStreamHost {
  readonly store: EventStore;
  readonly bufferSize: number;
  readonly catchUpBatch: number;
  /** Told when a subscription is ended for falling behind (metrics). */
  readonly onSlowConsumer: (() => void) | undefined;
  /** The tenant's sequencer knows its start: catch-up must not read the store before. */
  readonly ready: Promise<void>;
  /** The last position the tenant's sequencer dispatched (safe; read only once `ready`). */
  readonly dispatched: number;
  /** Called once when `subscription` ends for any reason, to unregister it. */
  ended(subscription: LiveSubscription): void;
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
 *
 * A class, not closures: a hub holds one per subscriber, and its methods live
 * once on the prototype instead of a dozen functions (and their scope) per
 * subscription. It is its own iterator, abort listener and budget member.
 */
export class LiveStream implements LiveSubscription, AsyncIterableIterator<HubEvent>, BudgetMember {
  private catchingUp: boolean;
  private lastQueued: number;
  /** Every matching event up to here is queued (catch-up's read position). */
  private horizon: number;
  private range: EventRange | null = null;
  private lastDelivered: number | null;
  private queue: HubEvent[] = [];
  private pending: HubEvent[] = [];
  private pendingOverflowed = false;
  private ended = false;
  private failure: Error | null = null;
  private waiter: { resolve: (result: IteratorResult<HubEvent>) => void; reject: (error: unknown) => void } | null =
    null;
  private chain: Promise<unknown> = Promise.resolve();
  /** Bytes of the charged events in `queue` (live ones; catch-up pages are bounded by their size and charged when handed out). */
  private queuedBytes = 0;
  /** How many events at the front of `queue` are catch-up events, not charged yet. */
  private uncharged = 0;
  /** Bytes of the event last handed to the consumer, held until it asks for the next one. */
  private handedBytes = 0;

  private readonly request: SubscribeRequest;
  private readonly host: LiveStreamHost;
  readonly matches: EventMatcher;

  constructor(request: SubscribeRequest, host: LiveStreamHost, matches: EventMatcher) {
    this.request = request;
    this.host = host;
    this.matches = matches;
    this.catchingUp = request.after !== undefined;
    this.lastQueued = request.after ?? 0;
    this.horizon = request.after ?? 0;
    this.lastDelivered = request.after ?? null;
    request.budget?.join(this);
    request.signal?.addEventListener('abort', this, { once: true });
  }

  get iterator(): AsyncIterableIterator<HubEvent> {
    return this;
  }

  /** The connection's budget ran out (BudgetMember). */
  overflow(): void {
    if (this.ended) return;
    this.host.onSlowConsumer?.();
    this.finish(connectionOverflow(this.resumePoint(), this.request.budget!.limit));
  }

  /** The request's signal aborted (an EventListener object, so no closure per subscription). */
  handleEvent(): void {
    this.finish(null);
  }

  fail(error: Error): void {
    this.finish(error);
  }

  end(): void {
    this.finish(null);
  }

  /** Where to resume without losing anything if this ends now; `next` is an event it is about to miss. */
  private resumePoint(next?: HubEvent): ResumePoint {
    if (this.lastDelivered !== null) return { after: this.lastDelivered, received: true };
    const missed = this.queue[0] ?? next;
    // Nothing received nor queued: every event after the one being dispatched is still to come.
    return { after: missed ? missed.position - 1 : Math.max(0, this.host.dispatched - 1), received: false };
  }

  private deliver(event: HubEvent): IteratorResult<HubEvent> {
    this.lastDelivered = event.position;
    return { done: false, value: event };
  }

  private finish(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    const { budget, signal } = this.request;
    budget?.leave(this);
    budget?.give(this.queuedBytes + this.handedBytes);
    this.queuedBytes = this.handedBytes = this.uncharged = 0;
    this.queue = [];
    this.pending = [];
    void this.range?.pages.return?.().catch(() => {});
    this.range = null;
    signal?.removeEventListener('abort', this);
    const waiting = this.waiter;
    this.waiter = null;
    if (waiting && error) {
      this.failure = null;
      waiting.reject(error);
    } else waiting?.resolve(DONE);
    this.host.ended(this);
  }

  private goLive(): void {
    this.catchingUp = false;
    this.lastQueued = Math.max(this.lastQueued, this.horizon);
    for (const event of this.pending) {
      if (event.position <= this.lastQueued) continue;
      this.queue.push(event);
      this.uncharged += 1;
      this.lastQueued = event.position;
    }
    this.pending = [];
  }

  /** Queues the next page of the catch-up range, opening one when needed; at the range's end, goes live. */
  private async catchUp(): Promise<void> {
    try {
      await this.host.ready;
      if (!this.range) {
        this.pendingOverflowed = false;
        const through = this.host.dispatched;
        this.range = await this.host.store.readRange(this.request.tenantId, {
          after: this.horizon,
          filter: this.request.filter,
          batch: this.host.catchUpBatch,
          through,
        });
      }
      const current = this.range;
      const page = await current.pages.next();
      if (this.ended) return;
      if (!page.done) {
        for (const event of page.value) {
          if (event.position <= this.lastQueued) continue;
          this.queue.push(event);
          this.uncharged += 1;
          this.lastQueued = event.position;
        }
        const lastQueued = this.lastQueued;
        this.pending = this.pending.filter((event) => event.position > lastQueued);
        return;
      }
      this.range = null;
      this.horizon = Math.max(this.horizon, current.head);
      if (!this.pendingOverflowed) this.goLive();
      else {
        const horizon = this.horizon;
        this.pending = this.pending.filter((event) => event.position > horizon);
      }
    } catch (error) {
      this.finish(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async step(): Promise<IteratorResult<HubEvent>> {
    for (;;) {
      if (this.failure) {
        const error = this.failure;
        this.failure = null;
        throw error;
      }
      const event = this.queue.shift();
      if (event && this.handOut(event)) return this.deliver(event);
      if (event) continue; // over the connection's budget: ended, `failure` holds why
      if (this.ended) return DONE;
      if (!this.catchingUp) return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
      await this.catchUp();
    }
  }

  /** Moves a dequeued event's bytes to `handedBytes`, charging a catch-up event now; false when it does not fit (then ended). */
  private handOut(event: HubEvent): boolean {
    const { budget } = this.request;
    if (!budget) return true;
    const bytes = eventBytes(event);
    if (this.uncharged > 0) {
      this.uncharged -= 1;
      if (!budget.take(bytes)) return false;
    } else this.queuedBytes -= bytes;
    this.handedBytes = bytes;
    return true;
  }

  push(event: HubEvent): void {
    if (this.ended) return;
    if (this.catchingUp) {
      this.pending.push(event);
      if (this.pending.length > this.host.bufferSize) {
        this.pending = [];
        this.pendingOverflowed = true;
      }
      return;
    }
    if (event.position <= this.lastQueued) return;
    this.lastQueued = event.position;
    if (this.waiter) {
      if (this.request.deliver?.offer(event)) {
        this.lastDelivered = event.position;
        return;
      }
      // Handed over now, its frame is built and written later: it counts until the consumer asks again.
      const bytes = this.charge(event);
      if (bytes === null) return;
      this.handedBytes = bytes;
      const waiting = this.waiter;
      this.waiter = null;
      waiting.resolve(this.deliver(event));
    } else if (this.queue.length >= this.host.bufferSize) {
      this.host.onSlowConsumer?.();
      const { after, received } = this.resumePoint(event);
      this.finish(slowConsumer(after, received, this.host.bufferSize));
    } else {
      const bytes = this.charge(event);
      if (bytes === null) return;
      this.queuedBytes += bytes;
      this.queue.push(event);
    }
  }

  /** Takes a live event's bytes from the connection's budget; null when over it (every subscription on the connection has ended). */
  private charge(event: HubEvent): number | null {
    const { budget } = this.request;
    if (!budget) return 0;
    const bytes = eventBytes(event);
    return budget.take(bytes) ? bytes : null;
  }

  next(): Promise<IteratorResult<HubEvent>> {
    // The consumer asks again once it has written what it was handed.
    this.request.budget?.give(this.handedBytes);
    this.handedBytes = 0;
    // graphql-js pulls one at a time; chaining keeps overlapping calls in order anyway.
    const result = this.chain.then(() => this.step());
    this.chain = result.catch(() => {});
    return result;
  }

  async return(): Promise<IteratorResult<HubEvent>> {
    this.finish(null);
    return DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<HubEvent> {
    return this;
  }
}
