import type { AddressInfo } from 'node:net';
import { catalog as codeCatalog } from '../handlers/catalog.ts';
import { schema } from '../schema/index.ts';
import { createHubCatalog } from './catalog/hub-catalog.ts';
import type { EventBus } from './bus/event-bus.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createHubAuthenticator } from './auth/hub-authenticator.ts';
import { createHubDoors } from './doors/hub-doors.ts';
import { startHubCore } from './hub-core.ts';
import { loadWebhookSources } from './doors/webhooks/webhook-sources.ts';
import type { HubServices } from './server/context.ts';
import { closeConnectionsWhenIdle, createHttpServer } from './server/http-server.ts';
import { createHostCheck } from './server/host-check.ts';
import { readiness } from './server/readiness.ts';
import { createMetricsAccess } from './server/metrics-access.ts';
import { attachWebSocket } from './server/websocket.ts';
import { createHubYoga } from './server/yoga.ts';
import type { EventStore } from './store/event-store.ts';
import type { LeaseStore } from './coordination/lease-store.ts';
import type { HubHandler } from './handlers/handler.ts';
import type { HandlerRuntime } from './handlers/handler-runtime.ts';
import type { HandlerStore } from './handlers/handler-store.ts';
import type { RateLimitStore } from './limits/rate-limit-store.ts';
import type { ReplayStore } from './replay/replay-store.ts';
import type { EndpointStore } from './delivery/endpoint-store.ts';
import type { ColdStore } from './cold/cold-store.ts';

/** WebSocket close code for a server going away (RFC 6455). */
const GOING_AWAY = 1001;

export interface HubAppOptions {
  config: Config;
  store: EventStore;
  bus: EventBus;
  handlerStore: HandlerStore;
  leases: LeaseStore;
  replayStore: ReplayStore;
  endpointStore: EndpointStore;
  /** The cold tier (HUB_COLD_DIR); without it nothing ever leaves the archive. */
  cold?: ColdStore | null;
  /**
   * Where publish budgets (HUB_RATE_LIMIT, keys' `rateLimit`) are counted: Redis to share them
   * between processes. Default: this process's memory. The caller closes it.
   */
  rateLimits?: RateLimitStore;
  /** Built-in handlers plus those of HUB_HANDLER_MODULES, already checked. */
  handlers: readonly HubHandler[];
  log: Logger;
}

export interface HubApp {
  /** Base URL, e.g. http://127.0.0.1:4000 (GraphQL at /graphql). */
  url: string;
  services: HubServices;
  /**
   * The graceful shutdown (docs/OPERATIONS.md): stops taking requests and
   * sockets, closes websockets with 1001 and ends SSE streams so clients
   * resume with `after`, lets requests under way finish, stops handlers and
   * replays after the event in hand (checkpoints saved, leases released) and
   * waits for every publish under way. Does not close the store or bus; a
   * second call returns the first one's promise.
   */
  close(): Promise<void>;
}

/** Builds the core around the given adapters and serves it. `main` picks the adapters. */
export async function startHub(options: HubAppOptions): Promise<HubApp> {
  const { config, store, bus, replayStore, log } = options;
  const { catalog, close: closeCatalog } = await createHubCatalog({
    code: codeCatalog,
    dir: config.HUB_CATALOG_DIR,
    strict: config.HUB_STRICT_TYPES,
    log: log.child({ component: 'catalog' }),
  });
  const webhookSources = await loadWebhookSources(config, log.child({ component: 'webhooks' }));
  const { auth, close: closeAuth } = await createHubAuthenticator(config, log.child({ component: 'auth' }));
  if (auth.open) {
    log.warn(
      'no API keys or tokens configured (HUB_API_KEYS, HUB_API_KEYS_FILE, HUB_JWT_*): every caller is tenant "default" with every scope; only requests to localhost are answered',
    );
  }

  const { services, metrics, ingest, live, runtime, delivery, replays, retention } = await startHubCore({
    ...options,
    catalog,
  });
  const { audit } = services;

  /** Aborted as the shutdown begins: doors that stream (exports) stop and close their cursors. */
  const stopping = new AbortController();
  const doors = createHubDoors({ config, services, auth, schema, webhookSources, stopping: stopping.signal, log });

  let closing: Promise<void> | null = null;
  const checkHost = createHostCheck(auth.open);
  const yoga = createHubYoga({ schema, services, auth, config, log, onOperation: metrics.graphqlRequest });
  const server = createHttpServer({
    yoga,
    maxBodyBytes: config.HUB_MAX_BODY_BYTES,
    readiness: () => readiness(store, bus),
    draining: () => closing !== null,
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    metricsAccess: createMetricsAccess({ token: config.HUB_METRICS_TOKEN, auth }),
    checkHost,
    routes: doors,
    log: log.child({ component: 'http' }),
  });
  const sockets = attachWebSocket({
    server,
    yoga,
    auth,
    allowedOrigins: config.HUB_ALLOWED_ORIGINS,
    checkHost,
    maxSubscriptions: config.HUB_MAX_SUBSCRIPTIONS_PER_SOCKET,
    bufferBytes: config.HUB_SOCKET_BUFFER_BYTES,
    audit,
    log: log.child({ component: 'ws' }),
  });
  metrics.attach({
    openSubscriptions: () => live.size,
    websocketConnections: () => sockets.connections,
    handlerLag: () => handlerLag(runtime, store),
    replayJobs: async () => countBy(await replayStore.runnable(1000), (job) => job.status), // at most 1,000 per tenant
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;

  /** In this order; each step is logged, so a shutdown cut short by HUB_SHUTDOWN_MS shows where it stood. */
  async function shutDown(): Promise<void> {
    const step = (name: string) => log.info({ step: name }, 'shutdown step');
    step('intake: no new connections, requests or sockets');
    stopping.abort();
    const requestsDone = new Promise<void>((resolve) => server.close(() => resolve()));
    closeConnectionsWhenIdle(server);
    step('live: websockets closed with 1001, SSE streams ended');
    await sockets.close(GOING_AWAY, 'server shutting down; resume with after');
    closeAuth();
    webhookSources.close();
    closeCatalog();
    await live.close();
    step('requests under way, handlers and replays: finishing the work in hand');
    await Promise.all([requestsDone, runtime.close(), replays.close(), delivery.close(), retention.close()]);
    step('publishes under way');
    await ingest.drain();
  }

  return {
    url: `http://${host}:${port}`,
    services,
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

/** Each handler's lag summed over the tenants with events. */
async function handlerLag(runtime: HandlerRuntime, store: EventStore): Promise<Map<string, number>> {
  const lag = new Map<string, number>();
  for (const tenantId of await store.tenants()) {
    for (const status of await runtime.status(tenantId)) lag.set(status.name, (lag.get(status.name) ?? 0) + status.lag);
  }
  return lag;
}

const countBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};
