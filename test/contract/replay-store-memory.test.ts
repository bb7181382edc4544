import { createMemoryReplayStore } from '../../src/replay/memory-replay-store.ts';
import { runReplayStoreContract } from './replay-store.contract.ts';

runReplayStoreContract('memory', async () => {
  const store = createMemoryReplayStore();
  return { store, peer: async () => store };
});
