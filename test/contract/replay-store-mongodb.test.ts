import { MongoClient } from 'mongodb';
import { createMongoReplayStore } from '../../src/store/mongodb/replay-store.ts';
import { testMongo } from '../support/servers.ts';
import { runShadowRecordsContract } from './replay-shadow-records.contract.ts';
import { runReplayStoreContract, type MakeReplayStore } from './replay-store.contract.ts';

// A database per test: each starts empty, and FerretDB scans less.
const make: MakeReplayStore = async (t) => {
  const mongo = await testMongo(t);
  const store = await createMongoReplayStore({ client: mongo.client, dbName: mongo.dbName });
  return {
    store,
    // A second hub process: its own client (connection pool) and its own store on the same database.
    async peer() {
      const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 5000 });
      t.after(() => client.close());
      await client.connect();
      return createMongoReplayStore({ client, dbName: mongo.dbName });
    },
  };
};

const name = 'MongoDB (FerretDB unless MONGODB_URL says otherwise)';
runReplayStoreContract(name, make);
runShadowRecordsContract(name, make);
