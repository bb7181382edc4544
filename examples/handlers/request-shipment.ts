import { defineHandler } from '../../handlers/define.ts';

/**
 * A placed order asks fulfilment to ship its lines. The follow-up event is
 * keyed by the order event's id, so handling the order twice (a retry, a
 * crash) still requests one shipment.
 */
export const requestShipment = defineHandler({
  name: 'request-shipment',
  eventTypes: ['sales.order.placed'],
  priority: 10,
  async handle(event, ctx) {
    const result = await ctx.publish({
      type: 'fulfilment.shipment.requested',
      subject: event.subject ?? `order/${event.payload.orderId}`,
      payload: {
        orderId: event.payload.orderId,
        items: event.payload.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
      },
      metadata: { idempotencyKey: `shipment-for:${event.id}` },
    });
    if (result.status === 'REJECTED') throw new Error(`shipment request refused: ${result.error.message}`);
  },
});
