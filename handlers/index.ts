/**
 * The typed handlers the hub registers at start: one reaction per file in
 * this folder, listed here. The handler runtime (retries, dead letters,
 * checkpoints) and the first handlers arrive with the handlers issue; until
 * then the list is empty and nothing reads it.
 */
export const handlers: readonly unknown[] = [];
