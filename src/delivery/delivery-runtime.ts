import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LookupFunction } from 'node:net';
import type { BusSubscription, EventBus } from '../bus/event-bus.ts';
import type { Lease, LeaseStore } from '../coordination/lease-store.ts';
import type { HubEvent } from '../events/event.ts';
import { createMatcher, type EventMatcher } from '../filter/index.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import { compileJobFilter } from '../replay/replay-input.ts';
import type { EventStore } from '../store/event-store.ts';
import type { EndpointStore, WebhookDelivery, WebhookEndpoint } from './endpoint-store.ts';
import { startEndpointWorker, type EndpointWorker } from './endpoint-worker.ts';
import { createWebhookClient, type WebhookClient } from './http-sender.ts';
import { webhookDisabledEvent } from './webhook-events.ts';

export interface DeliveryRuntimeOptions {
  store: EventStore;
  endpoints: EndpointStore;
  leases: LeaseStore;
  bus: EventBus;
  ingest: Ingest;
  /** HUB_WEBHOOK_BACKOFF_MS. */
  backoffMs: readonly number[];
  /** HUB_WEBHOOK_CONCURRENCY. */
  concurrency: number;
  /** HUB_WEBHOOK_TIMEOUT_MS. */
  timeoutMs: number;
  /** HUB_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** HUB_LEASE_MS: an endpoint's lease lasts this long without renewal; renewed every third of it. */
  leaseMs: number;
  /** HUB_WEBHOOK_POLL_MS. */
  pollMs: number;
  /** HUB_WEBHOOK_MAX_ENDPOINTS: endpoints this process serves at once. */
  maxEndpoints: number;
  /** Events read at a time per endpoint. Default 100. */
  batch?: number;
  /** DNS lookup of new connections (tests). Default the system's, refused addresses dropped. */
  lookup?: LookupFunction;
  log: Logger;
  now?: () => number;
}

export interface DeliveryRuntime {
  /** Listens on the bus and starts serving endpoints; resolves once listening. */
  start(): Promise<void>;
  /** Looks at `endpointId` (or every endpoint) now rather than at the next poll: it was enabled, redriven, replayed or changed. */
  poke(endpointId?: string): void;
  /** Stops every endpoint (deliveries under way are cut and sent again by the next holder) and releases the leases. */
  close(): Promise<void>;
}

interface Served {
  endpoint: WebhookEndpoint;
  lease: Lease;
  holds: boolean;
  renewing: Promise<void> | null;
  controller: AbortController;
  matches: EventMatcher;
  client: WebhookClient;
  worker: EndpointWorker;
}

/** Enabled endpoints looked at per poll, all tenants together. */
const SCAN_LIMIT = 10_000;
/** How long DELIVERED deliveries are kept (listed by webhookDeliveries). */
const DELIVERED_RETENTION_MS = 7 * 86_400_000;

/**
 * Webhook delivery across hub processes: every process polls the store for
 * enabled endpoints and serves those whose lease (`webhook:<id>`, the
 * LeaseStore the handler lines use) it gets, one worker each, so an endpoint
 * is served by one process at a time and a slow one holds only its own
 * worker. The bus wakes workers early; a lost message or a dead process
 * delays delivery by a poll or a lease, never loses it.
 */
export function createDeliveryRuntime(options: DeliveryRuntimeOptions): DeliveryRuntime {
  const { endpoints, leases, log } = options;
  const now = options.now ?? Date.now;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const served = new Map<string, Served>();
  let subscription: BusSubscription | null = null;
  let timers: NodeJS.Timeout[] = [];
  let closed = false;
  let scanning: Promise<void> | null = null;
  let again = false;

  function scan(): void {
    if (closed) return;
    if (scanning) {
      again = true;
      return;
    }
    scanning = scanEndpoints().finally(() => {
      scanning = null;
      if (again) {
        again = false;
        scan();
      }
    });
  }

  async function scanEndpoints(): Promise<void> {
    try {
      const enabled = await endpoints.enabledEndpoints(SCAN_LIMIT);
      const ids = new Set(enabled.map((endpoint) => endpoint.id));
      for (const [id, entry] of served)
        if (!ids.has(id)) entry.controller.abort(new Error('endpoint disabled or deleted'));
      const hints = new Map<string, number>();
      for (const endpoint of enabled) {
        if (closed) return;
        const entry = served.get(endpoint.id);
        if (entry) {
          if (JSON.stringify(entry.endpoint) !== JSON.stringify(endpoint)) {
            entry.endpoint = endpoint;
            entry.worker.update(endpoint, compileJobFilter(endpoint.filter));
            entry.matches = createMatcher(compileJobFilter(endpoint.filter));
          }
          if (!hints.has(endpoint.tenantId))
            hints.set(endpoint.tenantId, await options.store.positionHint(endpoint.tenantId));
          if (hints.get(endpoint.tenantId)! > entry.worker.checkpoint) entry.worker.wake(true);
          continue;
        }
        if (served.size >= options.maxEndpoints) continue;
        const lease = await leases.acquire(`webhook:${endpoint.id}`, owner, options.leaseMs);
        if (lease) serve(endpoint, lease);
      }
    } catch (error) {
      log.warn({ err: error }, 'looking for webhook endpoints failed; trying again at the next poll');
    }
  }

  function serve(endpoint: WebhookEndpoint, lease: Lease): void {
    const filter = compileJobFilter(endpoint.filter);
    const controller = new AbortController();
    const client = createWebhookClient({
      timeoutMs: options.timeoutMs,
      maxSockets: options.concurrency,
      allowPrivate: options.allowPrivate,
      ...(options.lookup && { lookup: options.lookup }),
    });
    const entry = {
      endpoint,
      lease,
      holds: true,
      renewing: null,
      controller,
      matches: createMatcher(filter),
      client,
    } as Omit<Served, 'worker'> as Served;
    entry.worker = startEndpointWorker({
      endpoint,
      filter,
      store: options.store,
      endpoints,
      client,
      backoffMs: options.backoffMs,
      concurrency: options.concurrency,
      batch: options.batch ?? 100,
      pollMs: options.pollMs,
      holds: () => entry.holds,
      mayStart: () => leaseLasts(entry),
      onGone: (gone, delivery) => disable(gone, delivery),
      stop: controller.signal,
      log,
      now,
    });
    served.set(endpoint.id, entry);
    log.debug({ endpointId: endpoint.id, tenantId: endpoint.tenantId, epoch: lease.epoch }, 'webhook endpoint taken');
    void entry.worker.done.finally(async () => {
      served.delete(endpoint.id);
      client.close();
      if (entry.holds)
        await leases
          .release(entry.lease)
          .catch((error: unknown) => log.warn({ err: error }, 'releasing a webhook lease failed'));
    });
  }

  /** The endpoint answered 410 Gone: disabled, and `system.webhook.disabled` recorded in its tenant. */
  async function disable(endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<void> {
    await endpoints.updateEndpoint(endpoint.tenantId, endpoint.id, { status: 'DISABLED' });
    await options.ingest.publishInternal([webhookDisabledEvent(endpoint, delivery, new Date(now()))]);
    log.warn(
      { endpointId: endpoint.id, tenantId: endpoint.tenantId, url: endpoint.url },
      'webhook endpoint answered 410 Gone: disabled',
    );
  }

  /** Renews one lease; a caller arriving while a renewal is in flight shares it. */
  function renew(entry: Served): Promise<void> {
    entry.renewing ??= (async () => {
      try {
        const renewed = await leases.renew(entry.lease, options.leaseMs);
        if (renewed) {
          entry.lease = renewed;
          return;
        }
        entry.holds = false;
        log.warn({ endpointId: entry.endpoint.id }, 'webhook lease lost to another process; stopping here');
        entry.controller.abort(new Error('lease lost'));
      } catch (error) {
        log.warn({ err: error, endpointId: entry.endpoint.id }, 'renewing a webhook lease failed; trying again');
      } finally {
        entry.renewing = null;
      }
    })();
    return entry.renewing;
  }

  /** Whether an attempt may start: the lease lasts a third of its time more, renewed first when the renewals fell behind. */
  async function leaseLasts(entry: Served): Promise<boolean> {
    const lasts = () => entry.holds && entry.lease.expiresAt - now() > options.leaseMs / 3;
    if (lasts()) return true;
    await renew(entry);
    return lasts();
  }

  function onBusEvent(event: HubEvent): void {
    for (const entry of served.values()) {
      if (entry.endpoint.tenantId === event.tenantId && entry.matches(event)) entry.worker.wake(true);
    }
  }

  async function sweep(): Promise<void> {
    try {
      const before = new Date(now() - DELIVERED_RETENTION_MS);
      for (let dropped = 1000; dropped === 1000 && !closed; ) dropped = await endpoints.dropDelivered(before, 1000);
    } catch (error) {
      log.warn({ err: error }, 'dropping old webhook deliveries failed; trying again at the next sweep');
    }
  }

  return {
    async start() {
      subscription = await options.bus.subscribe(onBusEvent);
      timers = [
        setInterval(scan, options.pollMs),
        setInterval(
          () => void Promise.all([...served.values()].filter((e) => e.holds).map(renew)),
          Math.max(50, Math.floor(options.leaseMs / 3)),
        ),
        setInterval(() => void sweep(), 3_600_000),
      ];
      for (const timer of timers) timer.unref();
      scan();
    },
    poke(endpointId) {
      if (endpointId !== undefined) served.get(endpointId)?.worker.wake(true);
      scan();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      await subscription?.close();
      await scanning;
      const entries = [...served.values()];
      for (const entry of entries) entry.controller.abort(new Error('hub shutting down'));
      await Promise.all(entries.map((entry) => entry.worker.done));
      // The `finally` of each worker releases its lease; wait for those too.
      while (served.size > 0) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
