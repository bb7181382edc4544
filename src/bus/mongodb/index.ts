export { createMongoEventBus, type MongoEventBusOptions } from './mongo-event-bus.ts';
