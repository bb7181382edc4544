import type { HubAppOptions } from './app.ts';
import { createAuditTrail } from './audit/audit-trail.ts';
import type { EventCatalog } from './catalog/event-catalog.ts';
import { createDeliveryRuntime } from './delivery/delivery-runtime.ts';
import { createWebhookService } from './delivery/webhook-service.ts';
import { createHandlerRuntime } from './handlers/handler-runtime.ts';
import { createIngest } from './ingest/ingest.ts';
import { createMemoryRateLimitStore } from './limits/memory-rate-limit-store.ts';
import { createPublishRateLimiter } from './limits/publish-rate-limiter.ts';
import { createSubscriptionHub } from './live/subscription-hub.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createReplayService } from './replay/replay-service.ts';
import { startRetention } from './retention/start-retention.ts';
import type { HubServices } from './server/context.ts';

export interface HubCoreOptions extends HubAppOptions {
  /** The event catalog (code types and HUB_CATALOG_DIR), already loaded. */
  catalog: EventCatalog;
}

/**
 * The hub's core around its adapters, started: ingest, live delivery, the handler runtime,
 * webhook delivery, replays, the audit trail and retention, and the services the API serves them
 * through. `startHub` puts the HTTP and websocket doors in front of it and shuts it down in order.
 */
export async function startHubCore({
  config,
  store,
  bus,
  handlerStore,
  leases,
  replayStore,
  endpointStore,
  cold = null,
  rateLimits,
  handlers,
  log,
  catalog,
}: HubCoreOptions) {
  const metrics = createMetrics();
  const rateLimiter = createPublishRateLimiter({
    store: rateLimits ?? createMemoryRateLimitStore(),
    defaultLimit: config.HUB_RATE_LIMIT,
    log: log.child({ component: 'rate-limits' }),
    // The audit event (system.rate_limit.exceeded) is recorded by the GraphQL layer, which knows the whole request.
    onRateLimited: ({ tenantId }) => metrics.rateLimited(tenantId),
  });
  const ingest = createIngest({
    store,
    bus,
    log: log.child({ component: 'ingest' }),
    maxEventBytes: config.HUB_MAX_EVENT_BYTES,
    maxBatch: config.HUB_MAX_BATCH,
    catalog,
    maxCausationDepth: config.HUB_MAX_CAUSATION_DEPTH,
    rateLimiter,
    onPublished: metrics.published,
  });
  const live = createSubscriptionHub({
    store,
    bus,
    log: log.child({ component: 'live' }),
    bufferSize: config.HUB_SUBSCRIPTION_BUFFER,
    maxPerTenant: config.HUB_MAX_SUBSCRIPTIONS_PER_TENANT,
    maxSubscriptions: config.HUB_MAX_SUBSCRIPTIONS,
    onSlowConsumer: metrics.slowConsumer,
  });
  await live.start();
  const runtime = createHandlerRuntime({
    handlers,
    store,
    handlerStore,
    leases,
    bus,
    ingest,
    policy: {
      backoffMs: config.HUB_HANDLER_BACKOFF_MS,
      maxAttempts: config.HUB_HANDLER_MAX_ATTEMPTS,
      timeoutMs: config.HUB_HANDLER_TIMEOUT_MS,
    },
    leaseMs: config.HUB_LEASE_MS,
    pollMs: config.HUB_HANDLER_POLL_MS,
    observer: metrics,
    log: log.child({ component: 'handlers' }),
  });
  await runtime.start();
  const delivery = createDeliveryRuntime({
    store,
    endpoints: endpointStore,
    leases,
    bus,
    ingest,
    backoffMs: config.HUB_WEBHOOK_BACKOFF_MS,
    concurrency: config.HUB_WEBHOOK_CONCURRENCY,
    timeoutMs: config.HUB_WEBHOOK_TIMEOUT_MS,
    allowPrivate: config.HUB_WEBHOOK_ALLOW_PRIVATE,
    leaseMs: config.HUB_LEASE_MS,
    pollMs: config.HUB_WEBHOOK_POLL_MS,
    maxEndpoints: config.HUB_WEBHOOK_MAX_ENDPOINTS,
    log: log.child({ component: 'webhooks' }),
  });
  await delivery.start();
  const webhooks = createWebhookService({
    endpoints: endpointStore,
    runtime: delivery,
    allowPrivate: config.HUB_WEBHOOK_ALLOW_PRIVATE,
  });
  const replays = createReplayService({
    webhooks,
    store,
    replayStore,
    leases,
    ingest,
    handlerStore,
    handlers,
    handlerTimeoutMs: config.HUB_HANDLER_TIMEOUT_MS,
    ratePerSecond: config.HUB_REPLAY_RATE,
    leaseMs: config.HUB_LEASE_MS,
    pollMs: config.HUB_REPLAY_POLL_MS,
    maxActivePerTenant: config.HUB_MAX_ACTIVE_REPLAYS_PER_TENANT,
    retentionMs: config.HUB_REPLAY_RETENTION_DAYS * 86_400_000,
    maxDifferences: config.HUB_SHADOW_MAX_DIFFERENCES,
    rateLimiter,
    log: log.child({ component: 'replay' }),
  });
  replays.start();
  const audit = createAuditTrail({
    ingest,
    log: log.child({ component: 'audit' }),
    sampleMs: config.HUB_AUDIT_SAMPLE_MS,
    auditTenant: config.HUB_AUDIT_TENANT,
    maxEventBytes: config.HUB_MAX_EVENT_BYTES,
    maxSampledKeys: config.HUB_AUDIT_SAMPLER_KEYS,
  });
  const limits = {
    maxPageSize: config.HUB_MAX_PAGE_SIZE,
    previewLimit: config.HUB_PREVIEW_LIMIT,
    maxFilterBytes: config.HUB_MAX_FILTER_BYTES,
    maxRegexPerRequest: config.HUB_MAX_REGEX_PER_REQUEST,
    maxRegexInstructions: config.HUB_MAX_REGEX_INSTRUCTIONS,
  };
  const retention = startRetention({ config, store, cold, leases, ingest, log: log.child({ component: 'retention' }) });
  const services: HubServices = {
    ingest,
    store,
    cold,
    live,
    handlers: runtime,
    handlerStore,
    replays,
    webhooks,
    audit,
    catalog,
    limits,
  };

  return { services, metrics, ingest, live, runtime, delivery, replays, retention };
}
