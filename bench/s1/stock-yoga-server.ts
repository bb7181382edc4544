import { createMemoryEndpointStore } from '../../src/delivery/memory-endpoint-store.ts';
import { createWebhookService } from '../../src/delivery/webhook-service.ts';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { handlers } from '../../handlers/index.ts';
import { schema } from '../../schema/index.ts';
import { createAuditTrail } from '../../src/audit/audit-trail.ts';
import { createEventCatalog } from '../../src/catalog/event-catalog.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { createHandlerRuntime } from '../../src/handlers/handler-runtime.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createSubscriptionHub } from '../../src/live/subscription-hub.ts';
import { createLogger } from '../../src/logger.ts';
import { createReplayService } from '../../src/replay/replay-service.ts';
import { createAuthenticator } from '../../src/server/auth.ts';
import type { HubContext, HubServices } from '../../src/server/context.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import type { BenchServer } from './bench-server.ts';
import { BENCH_TENANT, BENCH_KEY, MAX_EVENT_BYTES } from './workload.ts';

/**
 * The baseline to beat: graphql-yoga with its default options (no armor, no
 * custom masking, no body limit) around the same Pothos schema and the same
 * services, served by `http.createServer(yoga)`. Its context is what a plain
 * Yoga user would write: the services, the caller's principal from the same
 * authenticator, a request id and the logger.
 */
export async function startStockYogaServer(): Promise<BenchServer> {
  const log = createLogger('silent');
  const { store, handlerStore, leases, replayStore } = createMemoryStorage({ HUB_IDEMPOTENCY_WINDOW_MS: 86_400_000 });
  const bus = createInProcessEventBus();
  const catalog = createEventCatalog({}, { strict: false });
  const ingest = createIngest({ store, bus, log, maxEventBytes: MAX_EVENT_BYTES, maxBatch: 1000, catalog });
  const live = createSubscriptionHub({ store, bus, log });
  await live.start();
  const runtime = createHandlerRuntime({
    handlers,
    store,
    handlerStore,
    leases,
    bus,
    ingest,
    policy: { backoffMs: [1000], maxAttempts: 3, timeoutMs: 30_000 },
    leaseMs: 15_000,
    log,
  });
  await runtime.start();
  // Never started: the bench runs no replays, and an idle runner would only poll.
  const replays = createReplayService({
    store,
    replayStore,
    leases,
    ingest,
    handlerStore,
    handlers,
    handlerTimeoutMs: 30_000,
    ratePerSecond: 500,
    leaseMs: 15_000,
    log,
  });
  const audit = createAuditTrail({ ingest, log, sampleMs: 60_000 });
  const webhooks = createWebhookService({
    endpoints: createMemoryEndpointStore(),
    runtime: { poke() {} },
    allowPrivate: false,
  });
  const services: HubServices = {
    ingest,
    store,
    cold: null,
    live,
    handlers: runtime,
    handlerStore,
    replays,
    webhooks,
    audit,
    catalog,
    limits: {
      maxPageSize: 1000,
      previewLimit: 10_000,
      maxFilterBytes: 16_384,
      maxRegexPerRequest: 16,
      maxRegexInstructions: 4000,
    },
  };
  const auth = createAuthenticator([{ key: BENCH_KEY, tenant: BENCH_TENANT, scopes: ['publish'] }]);

  const yoga = createYoga<object, HubContext>({
    schema,
    context: async ({ request }) => ({
      services,
      principal: await auth.authenticate(request.headers.get('authorization')),
      requestId: request.headers.get('x-request-id') ?? randomUUID(),
      log,
    }),
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    head: () => store.headPosition(BENCH_TENANT),
    async close() {
      await live.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([bus.close(), store.close()]);
    },
  };
}
