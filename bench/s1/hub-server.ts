import { startHub } from '../../src/app.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import type { BenchServer } from './bench-server.ts';
import { BENCH_API_KEYS, BENCH_TENANT } from './workload.ts';

/** The real hub as `main` wires it on the embedded default, with one API key so auth runs as in production. */
export async function startHubServer(): Promise<BenchServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', HUB_API_KEYS: BENCH_API_KEYS });
  const store = createMemoryEventStore({ idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS });
  const bus = createInProcessEventBus();
  const app = await startHub({ config, store, bus, log: createLogger(config.LOG_LEVEL) });
  return {
    url: `${app.url}/graphql`,
    head: () => store.headPosition(BENCH_TENANT),
    async close() {
      await app.close();
      await Promise.all([bus.close(), store.close()]);
    },
  };
}
