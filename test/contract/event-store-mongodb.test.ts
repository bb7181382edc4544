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
    async close() {
      await store.close();
      await mongo.close();
    },
  };
});
