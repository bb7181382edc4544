// `defineHandler` types `handle` from the event catalog. The @ts-expect-error lines are the test:
// `tsc` (run by test/unit/typecheck.test.ts) fails when one of them stops being an error.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defineHandler } from '../../handlers/define.ts';

const typed = defineHandler({
  name: 'typing-example',
  eventTypes: ['sales.order.placed', 'sales.order.cancelled'],
  async handle(event) {
    if (event.type === 'sales.order.placed') {
      const units: number = event.payload.lines.reduce((sum, line) => sum + line.quantity, 0);
      const currency: string = event.payload.currency;
      void [units, currency];
      // @ts-expect-error a placed order has no `reason`
      void event.payload.reason.length;
    } else {
      const reason: string | undefined = event.payload.reason;
      void reason;
      // @ts-expect-error a cancelled order has no lines
      void event.payload.lines.length;
    }
    // @ts-expect-error the handler does not list this type, so the event cannot be one
    if (event.type === 'crm.contact.created') return;
  },
});

/** Types outside the catalog, and wildcard patterns, give free JSON payloads. */
export const untyped = defineHandler({
  name: 'untyped-example',
  eventTypes: ['crm.contact.created', 'sales.order.*'],
  async handle(event) {
    const anything: unknown = event.payload['whatever'];
    const type: string = event.type;
    void [anything, type];
  },
});

it('fills in the defaults at run time and keeps the handler as written', () => {
  assert.equal(typed.priority, 0);
  assert.deepEqual(typed.eventTypes, ['sales.order.placed', 'sales.order.cancelled']);
  assert.equal(defineHandler({ name: 'p', eventTypes: ['a.b'], priority: 7, async handle() {} }).priority, 7);
});
