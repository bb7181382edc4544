import { createMemoryRateLimitStore } from '../../src/limits/memory-rate-limit-store.ts';
import { runRateLimitStoreContract } from './rate-limit-store.contract.ts';

runRateLimitStoreContract('memory', async () => createMemoryRateLimitStore());
