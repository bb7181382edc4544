/**
 * One in-process hub per store kind, for tests that must hold on the memory store and on the
 * MongoDB-wire server alike (the security suite, for instance):
 *
 *   for (const kind of STORE_KINDS) {
 *     describe(`on ${kind}`, () => {
 *       let hub: TestHub;
 *       before(async () => (hub = await startHubOn(kind, { HUB_MAX_BATCH: '10' })));
 *       after(() => hub.stop());
 *       ...
 *     });
 *   }
 *
 * On `mongodb` the hub gets a fresh database on MONGODB_URL, dropped by `stop()`.
 */
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import type { ColdStore } from '../../src/cold/cold-store.ts';
import { startHub, type HubApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createStorage } from '../../src/storage.ts';
import { exampleHandlers } from '../../examples/handlers/index.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { TEST_API_KEYS } from './hub.ts';
import { testMongo, type TestMongo } from './servers.ts';

export const STORE_KINDS = ['memory', 'mongodb'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export type TestHub = HubApp & { stop(): Promise<void> };

/** An embedded hub on a free port with the test keys, storing events in memory or in a fresh MongoDB database. */
export async function startHubOn(
  kind: StoreKind,
  env: Record<string, string> = {},
  {
    handlers = exampleHandlers,
    log,
    cold,
  }: {
    handlers?: readonly HubHandler[];
    log?: Logger;
    /** A cold tier for the memory store, which HUB_COLD_DIR refuses (its positions restart with the process). */
    cold?: ColdStore;
  } = {},
): Promise<TestHub> {
  let mongo: TestMongo | undefined;
  const storeEnv: Record<string, string> = {};
  if (kind === 'mongodb') {
    mongo = await testMongo();
    Object.assign(storeEnv, { MONGODB_URL: mongo.url, MONGODB_DB: mongo.dbName, MONGODB_LIVE_BYTES: '1048576' });
  }
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUB_API_KEYS: TEST_API_KEYS, ...storeEnv, ...env });
  const logger = log ?? createLogger(config.LOG_LEVEL);
  const { close: closeStorage, ...storage } = await createStorage(config, logger);
  const bus = createInProcessEventBus();
  const app = await startHub({ config, ...storage, ...(cold && { cold }), bus, handlers, log: logger });
  return {
    ...app,
    async stop() {
      try {
        await app.close();
        await Promise.all([bus.close(), closeStorage()]);
      } finally {
        await mongo?.close();
      }
    },
  };
}
