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
import { createMemoryReplayStore } from './replay/memory-replay-store.ts';
import type { ReplayStore } from './replay/replay-store.ts';
import type { ColdStore } from './cold/cold-store.ts';

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
  return storageOf({ store, handlerStore, leases, replayStore, endpointStore }, null);
}

/** MongoDB when `MONGODB_URL` is set, else memory; used by `main`, the one wiring point. */
export async function createStorage(config: Config, log: Logger): Promise<Storage> {
  if (!config.MONGODB_URL) {
    log.info({ store: 'memory' }, 'embedded store: events live in this process and are lost when it exits');
    return createMemoryStorage(config);
  }
  // The driver loads only for a hub that uses it: the embedded hub never pays for it (bench:idle).
  const { connectMongoStorage } = await import('./storage-mongodb.ts');
  return connectMongoStorage(config.MONGODB_URL, config, log);
}

/** A backend's stores as one Storage, whose `close` closes them all together. */
export function storageOf(stores: Omit<Storage, 'cold' | 'close'>, cold: ColdStore | null): Storage {
  const close = async () => {
    await Promise.all(Object.values(stores).map((store) => store.close()));
  };
  return { ...stores, cold, close };
}
