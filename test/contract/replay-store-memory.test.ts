import { createMemoryReplayStore } from '../../src/replay/memory-replay-store.ts';
import { runShadowRecordsContract } from './replay-shadow-records.contract.ts';
import { runReplayStoreContract, type MakeReplayStore } from './replay-store.contract.ts';

const make: MakeReplayStore = async () => {
  const store = createMemoryReplayStore();
  return { store, peer: async () => store };
};

runReplayStoreContract('memory', make);
runShadowRecordsContract('memory', make);
