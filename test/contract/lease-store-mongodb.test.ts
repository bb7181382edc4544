import { createMongoLeaseStore } from '../../src/store/mongodb/lease-store.ts';
import { testMongo } from '../support/servers.ts';
import { runLeaseStoreContract } from './lease-store.contract.ts';

runLeaseStoreContract('MongoDB', async (t, now) => {
  const mongo = await testMongo(t);
  return createMongoLeaseStore({ client: mongo.client, dbName: mongo.dbName, now });
});
