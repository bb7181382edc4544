import { handlers as builtInHandlers } from '../../handlers/index.ts';
import { startHub, type HubApp } from '../../src/app.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { LIVE_API_KEYS } from './workload.ts';

/**
 * The hub as `main` wires the embedded default (memory stores, in-process
 * bus, the built-in handlers), on a free loopback port, with the live
 * benchmarks' API key and silent logs. The one place the live benchmarks
 * build a hub, so that it follows `main` when the wiring changes.
 */
export async function startEmbeddedHub(): Promise<{ app: HubApp; close(): Promise<void> }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', HUB_API_KEYS: LIVE_API_KEYS });
  const storage = createMemoryStorage(config);
  const bus = createInProcessEventBus();
  const log = createLogger(config.LOG_LEVEL);
  const app = await startHub({ ...storage, config, bus, handlers: builtInHandlers, log });
  return {
    app,
    async close() {
      await app.close();
      await Promise.all([bus.close(), storage.close()]);
    },
  };
}
