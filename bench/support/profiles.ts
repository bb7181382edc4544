import { fileURLToPath } from 'node:url';

/** Where the benches' `node --cpu-prof` profiles land (ignored by git). */
export const PROFILE_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));
