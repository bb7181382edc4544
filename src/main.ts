import type { EventBus } from './bus/event-bus.ts';
import { createInProcessEventBus } from './bus/in-process-event-bus.ts';
import { handlers as builtInHandlers } from '../handlers/index.ts';
import { startHub } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { HandlerModuleError, loadHandlerModules } from './handlers/load-handler-modules.ts';
import { createMemoryRateLimitStore } from './limits/memory-rate-limit-store.ts';
import type { RateLimitStore } from './limits/rate-limit-store.ts';
import { createLogger, type Logger } from './logger.ts';
import { createStorage } from './storage.ts';

/**
 * The only wiring point: reads the configuration, picks the adapters
 * (MongoDB or memory, Redis, the MongoDB live collection or in-process, rate budgets in Redis or memory)
 * and starts the hub. The MongoDB and Redis adapters, and so their drivers, load only when
 * configured: the embedded hub holds neither in memory.
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
  const handlers = await loadHandlerModules(config.HUB_HANDLER_MODULES, builtInHandlers);
  const { close: closeStorage, ...storage } = await createStorage(config, log);
  const bus = await createBus(config, log);
  const rateLimits = await createRateLimits(config, log);
  const app = await startHub({ config, ...storage, bus, rateLimits, handlers, log });
  log.info({ url: `${app.url}/graphql` }, 'event hub listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal during the shutdown: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, limitMs: config.HUB_SHUTDOWN_MS }, 'shutting down');
    setTimeout(() => {
      log.error(
        { limitMs: config.HUB_SHUTDOWN_MS },
        'shutdown did not finish within HUB_SHUTDOWN_MS; exiting (the last shutdown step logged is where it stood)',
      );
      process.exit(1);
    }, config.HUB_SHUTDOWN_MS).unref();
    await app.close();
    await Promise.allSettled([bus.close(), rateLimits.close(), closeStorage()]);
    log.info('shut down');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * Redis when configured (the fast path); else, with MongoDB and its live collection, the bus that
 * tails that collection, so processes sharing the database see each other's events; else in-process.
 */
async function createBus(config: Config, log: Logger): Promise<EventBus> {
  if (!config.REDIS_URL && config.MONGODB_URL && config.MONGODB_LIVE_BYTES > 0) {
    const { createMongoEventBus } = await import('./bus/mongodb/index.ts');
    const bus = await createMongoEventBus({
      url: config.MONGODB_URL,
      dbName: config.MONGODB_DB,
      log,
      serverSelectionTimeoutMS: config.MONGODB_TIMEOUT_MS,
    });
    log.info(
      { bus: 'mongodb' },
      'bus: tailing the live collection (no REDIS_URL), shared by every process on this database',
    );
    return bus;
  }
  if (!config.REDIS_URL) {
    log.info({ bus: 'in-process' }, 'embedded bus: subscribers see events of this process only');
    return createInProcessEventBus({ log: log.child({ component: 'in-process-bus' }) });
  }
  const { createRedisEventBus } = await import('./bus/redis/index.ts');
  const bus = await createRedisEventBus({ url: config.REDIS_URL, log });
  log.info({ bus: 'redis' }, 'Redis bus ready');
  return bus;
}

/**
 * Redis with REDIS_URL, so every process takes from one budget per tenant or key; else each
 * process its own. Without any limit configured nothing asks, so no connection is opened.
 */
async function createRateLimits(config: Config, log: Logger): Promise<RateLimitStore> {
  // a key file's keys may gain a rateLimit at any rewrite
  const limited =
    config.HUB_RATE_LIMIT > 0 ||
    config.HUB_API_KEYS_FILE !== undefined ||
    config.HUB_API_KEYS.some((key) => (key.rateLimit ?? 0) > 0);
  if (!limited) return createMemoryRateLimitStore();
  if (!config.REDIS_URL) {
    log.info({ rateLimits: 'memory', defaultLimit: config.HUB_RATE_LIMIT }, 'publish rate limits count per process');
    return createMemoryRateLimitStore();
  }
  const { createRedisRateLimitStore } = await import('./limits/redis-rate-limit-store.ts');
  const limits = await createRedisRateLimitStore({ url: config.REDIS_URL, log });
  log.info({ rateLimits: 'redis', defaultLimit: config.HUB_RATE_LIMIT }, 'publish rate limits shared through Redis');
  return limits;
}

main().catch((error: unknown) => {
  if (error instanceof HandlerModuleError || error instanceof ConfigError) {
    process.stderr.write(`event hub failed to start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`event hub failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
