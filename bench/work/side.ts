import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A tenant and key of the work bench: every scope, so one key drives every scenario. */
export const WORK_TENANT = 'work';
export const WORK_KEY = 'work-bench-key-every-scope-0001';
const WORK_KEYS = JSON.stringify([{ key: WORK_KEY, tenant: WORK_TENANT, scopes: ['admin'] }]);

/** What the scenarios use of a running hub; loosely typed, as it may come from another checkout. */
export interface WorkHub {
  url: string;
  services: {
    handlers: { status(tenantId: string): Promise<{ name: string; lag: number }[]> };
    live: { subscribe(request: Record<string, unknown>): AsyncIterableIterator<{ position: number }> };
  };
  compileFilter(filter: Record<string, unknown>): unknown;
  stop(): Promise<void>;
}

export interface WorkHubOptions {
  mongoUrl: string;
  dbName: string;
  env?: Record<string, string>;
  handlers?: readonly Record<string, unknown>[];
}

/**
 * The hub of the checkout at `root` (this one, or a baseline's `git worktree`) in this process, on
 * the MongoDB store and the in-process bus, as `main` wires it but with the given handlers. Its
 * MongoClient is created with `monitorCommands=true`, so the command monitor sees what it asks.
 */
export async function startWorkHub(root: string, options: WorkHubOptions): Promise<WorkHub> {
  const load = (path: string) => import(pathToFileURL(join(resolve(root), path)).href);
  const [
    { startHub },
    { loadConfig },
    { createStorage },
    { createInProcessEventBus },
    { createLogger },
    { compileFilter },
  ] = await Promise.all([
    load('src/app.ts'),
    load('src/config.ts'),
    load('src/storage.ts'),
    load('src/bus/in-process-event-bus.ts'),
    load('src/logger.ts'),
    load('src/filter/index.ts'),
  ]);
  const url = new URL(options.mongoUrl);
  url.searchParams.set('monitorCommands', 'true');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    MONGODB_URL: url.href,
    MONGODB_DB: options.dbName,
    HUB_API_KEYS: WORK_KEYS,
    ...options.env,
  });
  const log = createLogger(config.LOG_LEVEL);
  const { close: closeStorage, ...storage } = await createStorage(config, log);
  const bus = createInProcessEventBus();
  const app = await startHub({ config, ...storage, bus, handlers: options.handlers ?? [], log });
  return {
    url: app.url,
    services: app.services,
    compileFilter,
    async stop() {
      await app.close();
      await Promise.all([bus.close(), closeStorage()]);
    },
  };
}
