import { startHub } from '../../src/app.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { handlers } from '../../handlers/index.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import type { BenchServer } from './bench-server.ts';
import { BENCH_API_KEYS, BENCH_TENANT } from './workload.ts';

/** The real hub as `main` wires it on the embedded default, with one API key so auth runs as in production. */
export async function startHubServer(): Promise<BenchServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', HUB_API_KEYS: BENCH_API_KEYS });
  const { close: closeStorage, ...storage } = createMemoryStorage(config);
  const bus = createInProcessEventBus();
  const app = await startHub({ config, ...storage, bus, handlers, log: createLogger(config.LOG_LEVEL) });
  return {
    url: `${app.url}/graphql`,
    head: () => storage.store.headPosition(BENCH_TENANT),
    async close() {
      await app.close();
      await Promise.all([bus.close(), closeStorage()]);
    },
  };
}
