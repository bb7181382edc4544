import { createMemoryHandlerStore } from '../../src/handlers/memory-handler-store.ts';
import { runHandlerStoreContract } from './handler-store.contract.ts';

// One process: a second "process" on the same data is the same store.
runHandlerStoreContract('memory', async () => {
  const store = createMemoryHandlerStore();
  return { store, peer: async () => store };
});
