import { z } from 'zod';
import type { CatalogShape } from '../src/catalog/event-catalog.ts';

/**
 * The hub's event catalog: payload schemas of registered types, by version.
 * Publishing a registered type checks its payload (REJECTED with the payload
 * path on a mismatch); other types are free JSON unless HUB_STRICT_TYPES is on.
 * Schemas are loose objects, so publishers may add fields without a new version.
 */
const orderLine = z.object({ sku: z.string().min(1), quantity: z.number().int().positive(), unitPrice: z.number().nonnegative() });

export const catalog = {
  'sales.order.placed': {
    '1.0': z.looseObject({
      orderId: z.string().min(1),
      customerId: z.string().min(1),
      currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
      lines: z.array(orderLine).min(1),
    }),
  },
  'sales.order.cancelled': {
    '1.0': z.looseObject({ orderId: z.string().min(1), customerId: z.string().min(1), reason: z.string().optional() }),
  },
  'fulfilment.shipment.requested': {
    '1.0': z.looseObject({
      orderId: z.string().min(1),
      items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() })).min(1),
    }),
  },
} satisfies CatalogShape;

export type Catalog = typeof catalog;
