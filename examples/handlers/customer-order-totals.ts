import { defineHandler } from '../../handlers/define.ts';

/** One customer's read model: open orders and their total, per currency. */
export interface CustomerOrderTotals extends Record<string, unknown> {
  customerId: string;
  /** orderId → { currency, amount }; keyed by order, so handling an event twice changes nothing. */
  orders: Record<string, { currency: string; amount: number }>;
  totals: Record<string, number>;
  updatedAt: string;
}

export const PROJECTION = 'customer-order-totals';

/** Keeps `customer-order-totals` up to date from placed and cancelled orders. */
export const customerOrderTotals = defineHandler({
  name: 'customer-order-totals',
  eventTypes: ['sales.order.placed', 'sales.order.cancelled'],
  async handle(event, ctx) {
    const { customerId, orderId } = event.payload;
    const current = (await ctx.projections.get<CustomerOrderTotals>(PROJECTION, customerId)) ?? {
      customerId,
      orders: {},
      totals: {},
      updatedAt: event.timestamp.toISOString(),
    };
    const orders = { ...current.orders };
    if (event.type === 'sales.order.placed') {
      const amount = event.payload.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
      orders[orderId] = { currency: event.payload.currency, amount: Math.round(amount * 100) / 100 };
    } else {
      delete orders[orderId];
    }
    const totals: Record<string, number> = {};
    for (const { currency, amount } of Object.values(orders))
      totals[currency] = Math.round(((totals[currency] ?? 0) + amount) * 100) / 100;
    await ctx.projections.put(PROJECTION, customerId, {
      customerId,
      orders,
      totals,
      updatedAt: event.timestamp.toISOString(),
    });
  },
});
