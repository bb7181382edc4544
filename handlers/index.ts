import type { HubHandler } from '../src/handlers/handler.ts';
import { customerOrderTotals } from './customer-order-totals.ts';
import { requestShipment } from './request-shipment.ts';

/**
 * The handlers every hub runs: one reaction per file in this folder, listed
 * here. Deployments add their own with HUB_HANDLER_MODULES (README).
 */
export const handlers: readonly HubHandler[] = [requestShipment, customerOrderTotals];
