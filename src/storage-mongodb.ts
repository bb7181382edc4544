import { MongoClient } from 'mongodb';
import { createFsColdStore } from './cold/fs-cold-store.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { storageOf, type Storage } from './storage.ts';
import { createMongoEndpointStore } from './store/mongodb/endpoint-store.ts';
import { createMongoHandlerStore } from './store/mongodb/handler-store.ts';
import { createMongoEventStore } from './store/mongodb/index.ts';
import { createMongoLeaseStore } from './store/mongodb/lease-store.ts';
import { createMongoReplayStore } from './store/mongodb/replay-store.ts';

type MongoStorageConfig = Pick<
  Config,
  | 'MONGODB_DB'
  | 'MONGODB_WRITE_CONCERN'
  | 'MONGODB_JOURNAL'
  | 'MONGODB_TIMEOUT_MS'
  | 'MONGODB_LIVE_BYTES'
  | 'HUB_IDEMPOTENCY_WINDOW_MS'
  | 'HUB_COLD_DIR'
>;

/** The MongoDB stores on a client of their own, which `close` closes after them. */
export async function connectMongoStorage(url: string, config: MongoStorageConfig, log: Logger): Promise<Storage> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: config.MONGODB_TIMEOUT_MS });
  try {
    const storage = await openMongoStorage(client, config, log);
    const close = async () => {
      await storage.close();
      await client.close();
    };
    return { ...storage, close };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * The MongoDB stores on a client the caller opened and closes (a bench's client with command
 * monitoring, say); `close` closes the stores, not the client.
 */
export async function openMongoStorage(client: MongoClient, config: MongoStorageConfig, log: Logger): Promise<Storage> {
  const common = {
    client,
    dbName: config.MONGODB_DB,
    writeConcern: { w: config.MONGODB_WRITE_CONCERN, j: config.MONGODB_JOURNAL },
    maxTimeMS: config.MONGODB_TIMEOUT_MS,
  };
  const store = await createMongoEventStore({
    ...common,
    idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS,
    liveCollectionBytes: config.MONGODB_LIVE_BYTES,
    log,
  });
  const handlerStore = await createMongoHandlerStore({ ...common, log });
  const leases = await createMongoLeaseStore(common);
  const replayStore = await createMongoReplayStore(common);
  const endpointStore = await createMongoEndpointStore(common);
  log.info({ store: 'mongodb', db: config.MONGODB_DB }, 'MongoDB store ready');
  const cold = config.HUB_COLD_DIR === undefined ? null : createFsColdStore({ root: config.HUB_COLD_DIR });
  return storageOf({ store, handlerStore, leases, replayStore, endpointStore }, cold);
}
