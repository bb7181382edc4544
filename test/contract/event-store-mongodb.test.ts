import { createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { testMongo } from '../support/servers.ts';
import { runEventStoreContract } from './event-store.contract.ts';

// A database per store: each test starts empty, and FerretDB scans less.
runEventStoreContract('MongoDB (FerretDB unless MONGODB_URL says otherwise)', async (config) => {
  const mongo = await testMongo();
  const store = await createMongoEventStore({
    client: mongo.client,
    dbName: mongo.dbName,
    ...config,
    liveCollectionBytes: 1 << 20,
  });
  return {
    store,
    // Every event (not tombstone) of the archive also in the live window: the copies are written after the acknowledgement.
    async settle() {
      const events = mongo.db.collection('events');
      const live = mongo.db.collection('events_live');
      const deadline = Date.now() + 10_000;
      while ((await live.countDocuments()) < (await events.countDocuments({ gap: { $ne: true } }))) {
        if (Date.now() > deadline) throw new Error('the live window did not catch up within 10 s');
        await new Promise((wake) => setTimeout(wake, 10));
      }
    },
    async close() {
      await store.close();
      await mongo.close();
    },
  };
});
