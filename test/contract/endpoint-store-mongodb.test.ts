import { createMongoEndpointStore } from '../../src/store/mongodb/endpoint-store.ts';
import { testMongo } from '../support/servers.ts';
import { runEndpointStoreContract } from './endpoint-store.contract.ts';

// A database per test: each starts empty, and FerretDB scans less.
runEndpointStoreContract('MongoDB (FerretDB unless MONGODB_URL says otherwise)', async (t) => {
  const mongo = await testMongo(t);
  return createMongoEndpointStore({ client: mongo.client, dbName: mongo.dbName });
});
