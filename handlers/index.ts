import type { HubHandler } from '../src/handlers/handler.ts';

/**
 * Handlers every hub runs, whatever HUB_HANDLER_MODULES adds: none. Business reactions belong to a
 * deployment, loaded with HUB_HANDLER_MODULES (examples/handlers shows two, typed from the
 * catalog with `defineHandler` from ./define.ts).
 */
export const handlers: readonly HubHandler[] = [];
