/**
 * S8's handler, loaded by the hub through HUB_HANDLER_MODULES and called by
 * the raw side directly: it does nothing but count, so what is measured is
 * the cost of getting each event to it.
 */
import { EVENT_TYPE } from '../cluster-support/workload.ts';

export const NOOP_HANDLER = 's8-noop';

let calls = 0;

/** Calls in this process so far. */
export const noopCalls = () => calls;

export default {
  name: NOOP_HANDLER,
  eventTypes: [EVENT_TYPE],
  priority: 0,
  handle(_event: unknown): void {
    calls++;
  },
};
