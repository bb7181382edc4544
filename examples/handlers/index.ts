import type { HubHandler } from '../../src/handlers/handler.ts';
import { customerOrderTotals } from './customer-order-totals.ts';
import { requestShipment } from './request-shipment.ts';

/**
 * Example business handlers for the catalog's sales and fulfilment types, loaded only when asked:
 *
 *   HUB_HANDLER_MODULES=$PWD/examples/handlers/index.ts npm start
 *
 * A plain hub runs none of them. The tests load them where they need a handler that publishes a
 * follow-up (request-shipment) or keeps a projection (customer-order-totals).
 */
export const exampleHandlers: readonly HubHandler[] = [requestShipment, customerOrderTotals];

export default exampleHandlers;
