import { z } from 'zod';
import type { CatalogShape } from '../src/catalog/event-catalog.ts';

/**
 * The hub's event catalog: payload schemas of registered types, by version.
 * Publishing a registered type checks its payload (REJECTED with the payload
 * path on a mismatch); other types are free JSON unless HUB_STRICT_TYPES is on.
 * Schemas are loose objects, so publishers may add fields without a new version.
 * `.meta({ description, examples })` is what integrators read in `eventTypes`
 * and GET /catalog (the first example is the version's `example`); more types
 * may come from JSON Schema files in HUB_CATALOG_DIR (docs/CATALOG.md).
 */
const orderLine = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  unitPrice: z.number().nonnegative(),
});

export const catalog = {
  'sales.order.placed': {
    '1.0': z
      .looseObject({
        orderId: z.string().min(1),
        customerId: z.string().min(1),
        currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
        lines: z.array(orderLine).min(1),
      })
      .meta({
        description: 'A customer placed an order.',
        examples: [
          {
            orderId: 'o-1001',
            customerId: 'c-42',
            currency: 'EUR',
            lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 9.5 }],
          },
        ],
      }),
  },
  'sales.order.cancelled': {
    '1.0': z
      .looseObject({ orderId: z.string().min(1), customerId: z.string().min(1), reason: z.string().optional() })
      .meta({
        description: 'An order was cancelled before it shipped.',
        examples: [{ orderId: 'o-1001', customerId: 'c-42', reason: 'changed my mind' }],
      }),
  },
  'fulfilment.shipment.requested': {
    '1.0': z
      .looseObject({
        orderId: z.string().min(1),
        items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() })).min(1),
      })
      .meta({
        description: 'Fulfilment is asked to ship the items of an order.',
        examples: [{ orderId: 'o-1001', items: [{ sku: 'SKU-1', quantity: 2 }] }],
      }),
  },
} satisfies CatalogShape;

export type Catalog = typeof catalog;
