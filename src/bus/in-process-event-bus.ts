import type { HubEvent } from '../events/event.ts';
import type { BusSubscription, EventBus, EventListener } from './event-bus.ts';

/**
 * The embedded bus: one process, listeners called synchronously in publish
 * order. Live as soon as `subscribe` returns.
 */
export function createInProcessEventBus(): EventBus {
  const listeners = new Set<EventListener>();
  return {
    async publish(event: HubEvent) {
      for (const listener of listeners) listener(event);
    },
    async subscribe(listener: EventListener): Promise<BusSubscription> {
      const own = (event: HubEvent) => listener(event); // a distinct entry even if the same function subscribes twice
      listeners.add(own);
      return { close: async () => void listeners.delete(own) };
    },
    async ping() {},
    async close() {
      listeners.clear();
    },
  };
}
