import { createMemoryLeaseStore } from '../../src/coordination/memory-lease-store.ts';
import { runLeaseStoreContract } from './lease-store.contract.ts';

runLeaseStoreContract('memory', async (_t, now) => createMemoryLeaseStore({ now }));
