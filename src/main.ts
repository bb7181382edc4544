import type { EventBus } from './bus/event-bus.ts';
import { createInProcessEventBus } from './bus/in-process-event-bus.ts';
import { startHub } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import type { EventStore } from './store/event-store.ts';
import { createMemoryEventStore } from './store/memory-event-store.ts';

/**
 * The only wiring point: reads the configuration, picks the adapters
 * (MongoDB or memory, Redis or in-process) and starts the hub.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.LOG_LEVEL);
  const store = await createStore(config, log);
  const bus = await createBus(config, log);
  const app = await startHub({ config, store, bus, log });
  log.info({ url: `${app.url}/graphql` }, 'event hub listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    await Promise.allSettled([bus.close(), store.close()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function createStore(config: Config, log: Logger): Promise<EventStore> {
  if (!config.MONGODB_URL) {
    log.info({ store: 'memory' }, 'embedded store: events live in this process and are lost when it exits');
    return createMemoryEventStore({ idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS });
  }
  throw new Error('MONGODB_URL support is not wired yet');
}

async function createBus(config: Config, log: Logger): Promise<EventBus> {
  if (!config.REDIS_URL) {
    log.info({ bus: 'in-process' }, 'embedded bus: subscribers see events of this process only');
    return createInProcessEventBus();
  }
  throw new Error('REDIS_URL support is not wired yet');
}

main().catch((error: unknown) => {
  process.stderr.write(`event hub failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
