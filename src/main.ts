import { MongoClient } from 'mongodb';
import type { EventBus } from './bus/event-bus.ts';
import { createInProcessEventBus } from './bus/in-process-event-bus.ts';
import { createRedisEventBus } from './bus/redis/index.ts';
import { startHub } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import type { EventStore } from './store/event-store.ts';
import { createMemoryEventStore } from './store/memory-event-store.ts';
import { createMongoEventStore } from './store/mongodb/index.ts';

/** A store and whatever main opened for it (the MongoDB client), closed together. */
interface OwnedStore {
  store: EventStore;
  close(): Promise<void>;
}

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
  const { store, close: closeStore } = await createStore(config, log);
  const bus = await createBus(config, log);
  const app = await startHub({ config, store, bus, log });
  log.info({ url: `${app.url}/graphql` }, 'event hub listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    await Promise.allSettled([bus.close(), closeStore()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function createStore(config: Config, log: Logger): Promise<OwnedStore> {
  if (!config.MONGODB_URL) {
    log.info({ store: 'memory' }, 'embedded store: events live in this process and are lost when it exits');
    const store = createMemoryEventStore({ idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS });
    return { store, close: () => store.close() };
  }
  const client = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: config.MONGODB_TIMEOUT_MS });
  try {
    const store = await createMongoEventStore({
      client,
      dbName: config.MONGODB_DB,
      idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS,
      writeConcern: { w: config.MONGODB_WRITE_CONCERN, j: config.MONGODB_JOURNAL },
      liveCollectionBytes: config.MONGODB_LIVE_BYTES,
      maxTimeMS: config.MONGODB_TIMEOUT_MS,
      log,
    });
    log.info({ store: 'mongodb', db: config.MONGODB_DB }, 'MongoDB store ready');
    return { store, close: async () => (await store.close(), await client.close()) };
  } catch (error) {
    await client.close();
    throw error;
  }
}

async function createBus(config: Config, log: Logger): Promise<EventBus> {
  if (!config.REDIS_URL) {
    log.info({ bus: 'in-process' }, 'embedded bus: subscribers see events of this process only');
    return createInProcessEventBus({ log: log.child({ component: 'in-process-bus' }) });
  }
  const bus = await createRedisEventBus({ url: config.REDIS_URL, log });
  log.info({ bus: 'redis' }, 'Redis bus ready');
  return bus;
}

main().catch((error: unknown) => {
  process.stderr.write(`event hub failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
