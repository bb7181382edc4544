import { createMemoryEndpointStore } from '../../src/delivery/memory-endpoint-store.ts';
import { runEndpointStoreContract } from './endpoint-store.contract.ts';

runEndpointStoreContract('memory', async () => createMemoryEndpointStore());
