import { createMemoryEndpointStore } from '../../src/delivery/memory-endpoint-store.ts';
import { handlers as builtInHandlers } from '../../handlers/index.ts';
import { startHub, type HubApp } from '../../src/app.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { loadConfig } from '../../src/config.ts';
import { createMemoryLeaseStore } from '../../src/coordination/memory-lease-store.ts';
import { createMemoryHandlerStore } from '../../src/handlers/memory-handler-store.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryReplayStore } from '../../src/replay/memory-replay-store.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { LIVE_API_KEYS } from './workload.ts';

/**
 * The hub as `main` wires the embedded default (memory stores, in-process
 * bus, the built-in handlers), on a free loopback port, with the live
 * benchmarks' API key and silent logs. The one place the live benchmarks
 * build a hub, so that it follows `main` when the wiring changes.
 */
export async function startEmbeddedHub(): Promise<{ app: HubApp; close(): Promise<void> }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', HUB_API_KEYS: LIVE_API_KEYS });
  const store = createMemoryEventStore({ idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS });
  const handlerStore = createMemoryHandlerStore();
  const leases = createMemoryLeaseStore();
  const replayStore = createMemoryReplayStore();
  const endpointStore = createMemoryEndpointStore();
  const bus = createInProcessEventBus();
  const log = createLogger(config.LOG_LEVEL);
  const app = await startHub({
    config,
    store,
    bus,
    handlerStore,
    leases,
    replayStore,
    endpointStore,
    handlers: builtInHandlers,
    log,
  });
  return {
    app,
    async close() {
      await app.close();
      await Promise.all([bus.close(), store.close(), handlerStore.close(), leases.close(), replayStore.close()]);
    },
  };
}
