import type { Logger } from 'pino';
import type { BusSubscription, EventBus } from '../bus/event-bus.ts';
import { tooManySubscriptions, unavailable, type HubError } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';
import type { EventStore } from '../store/event-store.ts';
import { LiveStream, type LiveStreamHost, type LiveSubscription, type SubscribeRequest } from './live-subscription.ts';
import { matcherFor } from './live-matcher.ts';
import { createSubscriptionIndex } from './subscription-index.ts';
import { createTenantSequencer, type TenantSequencer } from './tenant-sequencer.ts';

export interface SubscriptionHub {
  /** Subscribes once to the bus; resolves once live. */
  start(): Promise<void>;
  /**
   * One subscriber's stream. With `after`: every stored matching event after
   * that position (read from the store page by page), then live, with no gap
   * and no duplicate at the switch. Without: live from the tenant's current
   * head. Ascending positions, each at most once. Ends (done) when the signal
   * aborts, the consumer calls `return()` or the hub closes; throws a HubError
   * for CURSOR_EXPIRED, SLOW_CONSUMER or UNAVAILABLE.
   */
  subscribe(request: SubscribeRequest): AsyncIterableIterator<HubEvent>;
  /**
   * Why a new subscription of `tenantId` would be refused now (TOO_MANY_SUBSCRIPTIONS), or null.
   * For transports that refuse before they start an operation; `subscribe` checks again.
   */
  refusal(tenantId: string): HubError | null;
  /** Open subscriptions (for metrics). */
  readonly size: number;
  /** Full filter evaluations so far (for metrics): grows with matching work, not with subscribers. */
  readonly matchChecks: number;
  /** Ends every stream and leaves the bus. */
  close(): Promise<void>;
}

export interface SubscriptionHubOptions {
  store: EventStore;
  bus: EventBus;
  log: Logger;
  /** Events one subscriber may have waiting before it is ended with SLOW_CONSUMER. Default 1000. */
  bufferSize?: number;
  /** Page size of catch-up and gap reads from the store. Default 500. */
  catchUpBatch?: number;
  /** How long a gap in a tenant's bus traffic may stay open before the store is read (see tenant-sequencer.ts). Default 200. */
  reorderGraceMs?: number;
  /** Told each time a subscription is ended with SLOW_CONSUMER (metrics). */
  onSlowConsumer?: () => void;
  /** Open subscriptions one tenant may hold in this process (HUB_MAX_SUBSCRIPTIONS_PER_TENANT). Default: no limit. */
  maxPerTenant?: number;
  /** Open subscriptions this process serves (HUB_MAX_SUBSCRIPTIONS). Default: no limit. */
  maxSubscriptions?: number;
}

/** One per tenant with subscriptions in this process; the host of each of its streams. */
interface Tenant extends LiveStreamHost {
  sequencer: TenantSequencer;
  subscriptions: Set<LiveSubscription>;
}

/**
 * The per-instance fan-out (docs/ARCHITECTURE.md §9): one bus listener for all tenants;
 * per tenant a sequencer that turns bus traffic into contiguous positions,
 * and an index that finds the few subscriptions that may want an event.
 * Dispatch is synchronous and never waits for a consumer.
 */
export function createSubscriptionHub(options: SubscriptionHubOptions): SubscriptionHub {
  const { store, bus } = options;
  const log = options.log.child({ component: 'subscription-hub' });
  const bufferSize = Math.max(1, options.bufferSize ?? 1000);
  const catchUpBatch = Math.max(1, options.catchUpBatch ?? 500);
  const index = createSubscriptionIndex<LiveSubscription>();
  const tenants = new Map<string, Tenant>();
  let busSubscription: BusSubscription | null = null;
  let stopReconnects: (() => void) | null = null;
  let closed = false;
  let matchChecks = 0;
  const maxPerTenant = options.maxPerTenant ?? Infinity;
  const maxSubscriptions = options.maxSubscriptions ?? Infinity;

  function refusal(tenantId: string): HubError | null {
    if (index.size >= maxSubscriptions) return tooManySubscriptions('process', maxSubscriptions);
    if ((tenants.get(tenantId)?.subscriptions.size ?? 0) >= maxPerTenant)
      return tooManySubscriptions('tenant', maxPerTenant);
    return null;
  }

  function dispatch(tenantId: string, event: HubEvent): void {
    // `candidates` returns a fresh set, so a subscription ending inside `push` is safe.
    for (const subscription of index.candidates(tenantId, event.type)) {
      matchChecks += 1;
      if (subscription.matches(event)) subscription.push(event);
    }
  }

  function failTenant(tenantId: string, error: HubError): void {
    const tenant = tenants.get(tenantId);
    if (!tenant) return;
    for (const subscription of [...tenant.subscriptions]) subscription.fail(error);
  }

  function tenantFor(tenantId: string): Tenant {
    let tenant = tenants.get(tenantId);
    if (!tenant) {
      const sequencer = createTenantSequencer({
        tenantId,
        store,
        dispatch: (event) => dispatch(tenantId, event),
        fail: (error) => failTenant(tenantId, error),
        log,
        fillBatch: catchUpBatch,
        maxHeld: bufferSize * 10,
        reorderGraceMs: options.reorderGraceMs ?? 200,
      });
      tenant = {
        sequencer,
        subscriptions: new Set(),
        store,
        bufferSize,
        catchUpBatch,
        onSlowConsumer: options.onSlowConsumer,
        ready: sequencer.ready,
        get dispatched() {
          return sequencer.position;
        },
        ended: (subscription) => unregister(tenantId, subscription),
      };
      tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  function unregister(tenantId: string, subscription: LiveSubscription): void {
    index.remove(tenantId, subscription);
    const tenant = tenants.get(tenantId);
    if (!tenant?.subscriptions.delete(subscription)) return;
    if (tenant.subscriptions.size === 0) {
      // The next subscription starts a fresh sequencer from the then-current head.
      tenant.sequencer.close();
      tenants.delete(tenantId);
    }
  }

  function onBusEvent(event: HubEvent): void {
    try {
      tenants.get(event.tenantId)?.sequencer.offer(event); // no subscription in this tenant: nothing to do
    } catch (error) {
      log.error({ err: error, tenantId: event.tenantId, position: event.position }, 'live dispatch failed');
    }
  }

  return {
    async start() {
      if (busSubscription || closed) return;
      busSubscription = await bus.subscribe(onBusEvent);
      stopReconnects = bus.onReconnect(() => {
        log.info({ tenants: tenants.size }, 'bus live again; catching up live subscriptions from the store');
        for (const tenant of tenants.values()) tenant.sequencer.catchUp();
      });
      log.debug('subscription hub live');
    },

    subscribe(request) {
      if (closed) return failedIterator(unavailable('the subscription hub'));
      const refused = refusal(request.tenantId);
      if (refused) return failedIterator(refused);
      const tenant = tenantFor(request.tenantId);
      const subscription = new LiveStream(request, tenant, matcherFor(request.filter));
      tenant.subscriptions.add(subscription);
      index.add(request.tenantId, request.filter.typePatterns, subscription);
      if (request.signal?.aborted) subscription.end();
      return subscription.iterator;
    },

    refusal,

    get size() {
      return index.size;
    },

    get matchChecks() {
      return matchChecks;
    },

    async close() {
      if (closed) return;
      closed = true;
      const leaving = busSubscription;
      busSubscription = null;
      stopReconnects?.();
      for (const tenant of [...tenants.values()]) {
        for (const subscription of [...tenant.subscriptions]) subscription.end();
      }
      await leaving?.close();
    },
  };
}

function failedIterator(error: HubError): AsyncIterableIterator<HubEvent> {
  let thrown = false;
  return {
    async next() {
      if (thrown) return { done: true, value: undefined };
      thrown = true;
      throw error;
    },
    async return() {
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
