import { MongoClient } from 'mongodb';
import { createMongoHandlerStore } from '../../src/store/mongodb/handler-store.ts';
import { testMongo } from '../support/servers.ts';
import { runHandlerStoreContract } from './handler-store.contract.ts';

// A database per store: each test starts empty, and FerretDB scans less.
runHandlerStoreContract('MongoDB (FerretDB unless MONGODB_URL says otherwise)', async (scope) => {
  const mongo = await testMongo(scope);
  const store = await createMongoHandlerStore({ client: mongo.client, dbName: mongo.dbName });
  return {
    store,
    // A second hub process: its own client (connection pool) and its own store on the same database.
    async peer() {
      const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 5000 });
      scope.after(() => client.close());
      await client.connect();
      return createMongoHandlerStore({ client, dbName: mongo.dbName });
    },
  };
});
