import { handlerFactory } from '../src/handlers/handler.ts';
import type { Catalog } from './catalog.ts';

/** Define a handler typed from the hub's catalog: `handle` gets the payload type of the types it lists. */
export const defineHandler = handlerFactory<Catalog>();
