import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { runEventStoreContract } from './event-store.contract.ts';

runEventStoreContract('the memory store', async (config) => {
  const store = createMemoryEventStore(config);
  return { store, close: () => store.close() };
});
