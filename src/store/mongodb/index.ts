export { createMongoEventStore, type MongoEventStoreOptions } from './mongo-event-store.ts';
export type { AppendFaults } from './append.ts';
export { COLLECTIONS } from './collections.ts';
