import { MongoClient } from 'mongodb';
import type { Config } from './config.ts';
import type { LeaseStore } from './coordination/lease-store.ts';
import type { EndpointStore } from './delivery/endpoint-store.ts';
import { createMemoryEndpointStore } from './delivery/memory-endpoint-store.ts';
import { createMemoryLeaseStore } from './coordination/memory-lease-store.ts';
import type { HandlerStore } from './handlers/handler-store.ts';
import { createMemoryHandlerStore } from './handlers/memory-handler-store.ts';
import type { Logger } from './logger.ts';
import type { EventStore } from './store/event-store.ts';
import { createMemoryEventStore } from './store/memory-event-store.ts';
import { createMongoEndpointStore } from './store/mongodb/endpoint-store.ts';
import { createMongoHandlerStore } from './store/mongodb/handler-store.ts';
import { createMongoEventStore } from './store/mongodb/index.ts';
import { createMongoLeaseStore } from './store/mongodb/lease-store.ts';
import { createMongoReplayStore } from './store/mongodb/replay-store.ts';
import { createMemoryReplayStore } from './replay/memory-replay-store.ts';
import type { ReplayStore } from './replay/replay-store.ts';
import type { ColdStore } from './cold/cold-store.ts';
import { createFsColdStore } from './cold/fs-cold-store.ts';

/** The stores of one backend, and whatever was opened for them (the MongoDB client), closed together. */
export interface Storage {
  store: EventStore;
  handlerStore: HandlerStore;
  leases: LeaseStore;
  replayStore: ReplayStore;
  endpointStore: EndpointStore;
  /** Where aged events go (HUB_COLD_DIR), or null: then they stay in the archive. */
  cold: ColdStore | null;
  close(): Promise<void>;
}

/** The embedded default: everything in this process's memory, lost when it exits. */
export function createMemoryStorage(config: Pick<Config, 'HUB_IDEMPOTENCY_WINDOW_MS'>): Storage {
  const store = createMemoryEventStore({ idempotencyWindowMs: config.HUB_IDEMPOTENCY_WINDOW_MS });
  const handlerStore = createMemoryHandlerStore();
  const leases = createMemoryLeaseStore();
  const replayStore = createMemoryReplayStore();
  const endpointStore = createMemoryEndpointStore();
  return {
    store,
    handlerStore,
    leases,
    replayStore,
    endpointStore,
    cold: null,
    close: () => closeAll([store, handlerStore, leases, replayStore, endpointStore]),
  };
}

/** MongoDB when `MONGODB_URL` is set, else memory; used by `main`, the one wiring point. */
export async function createStorage(config: Config, log: Logger): Promise<Storage> {
  if (!config.MONGODB_URL) {
    log.info({ store: 'memory' }, 'embedded store: events live in this process and are lost when it exits');
    return createMemoryStorage(config);
  }
  const client = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: config.MONGODB_TIMEOUT_MS });
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
export async function openMongoStorage(
  client: MongoClient,
  config: Pick<
    Config,
    | 'MONGODB_DB'
    | 'MONGODB_WRITE_CONCERN'
    | 'MONGODB_JOURNAL'
    | 'MONGODB_TIMEOUT_MS'
    | 'MONGODB_LIVE_BYTES'
    | 'HUB_IDEMPOTENCY_WINDOW_MS'
    | 'HUB_COLD_DIR'
  >,
  log: Logger,
): Promise<Storage> {
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
  return {
    store,
    handlerStore,
    leases,
    replayStore,
    endpointStore,
    cold: config.HUB_COLD_DIR === undefined ? null : createFsColdStore({ root: config.HUB_COLD_DIR }),
    close: () => closeAll([store, handlerStore, leases, replayStore, endpointStore]),
  };
}

async function closeAll(stores: readonly { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(stores.map((store) => store.close()));
}
