import { createMongoEventBus } from '../../src/bus/mongodb/index.ts';
import type { EventBus } from '../../src/bus/event-bus.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { createLogger } from '../../src/logger.ts';
import { COLLECTIONS } from '../../src/store/mongodb/collections.ts';
import { toUnpositioned, withPosition, type StoredEvent } from '../../src/store/mongodb/documents.ts';
import { createLiveCopier } from '../../src/store/mongodb/live-copier.ts';
import { testMongo } from '../support/servers.ts';
import { runEventBusContract } from './event-bus.contract.ts';

const log = createLogger('silent');

/**
 * On this bus the message is the store's live copy and `publish` is a no-op,
 * so each instance under test publishes the way its hub's store does: through
 * the store's own live copier into the capped collection. One database (one
 * live collection) per pair of instances, as two hub processes would share.
 */
runEventBusContract('MongoDB live collection (FerretDB unless MONGODB_URL says otherwise)', async () => {
  const mongo = await testMongo();
  await mongo.db.createCollection(COLLECTIONS.live, { capped: true, size: 1 << 20 });
  const live = mongo.db.collection<StoredEvent>(COLLECTIONS.live);
  const publishing = (bus: EventBus): EventBus => {
    const copier = createLiveCopier({ live, log });
    return {
      ...bus,
      async publish(event: HubEvent) {
        await bus.publish(event);
        copier.copy([withPosition(toUnpositioned(event), event.position)]);
        await copier.flush();
      },
    };
  };
  const options = { url: mongo.url, dbName: mongo.dbName, log, awaitMs: 200 };
  const [bus, peer] = await Promise.all([createMongoEventBus(options), createMongoEventBus(options)]);
  return {
    bus: publishing(bus),
    peer: publishing(peer),
    async close() {
      await Promise.all([bus.close(), peer.close()]);
      await mongo.close();
    },
    // every event is a write to FerretDB and a getMore on each cursor: seconds when the machine is busy
    deliveryTimeoutMs: 15_000,
  };
});
