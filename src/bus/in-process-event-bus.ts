import type { HubEvent } from '../events/event.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { BusSubscription, EventBus, EventListener } from './event-bus.ts';

export interface InProcessEventBusOptions {
  /** Where a throwing listener is reported. Default: nowhere. */
  log?: Logger;
}

/**
 * The embedded bus: one process, listeners called synchronously in publish
 * order. Live as soon as `subscribe` returns; never loses its connection.
 */
export function createInProcessEventBus({ log = createLogger('silent') }: InProcessEventBusOptions = {}): EventBus {
  const listeners = new Set<EventListener>();
  return {
    async publish(event: HubEvent) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          log.error({ err: error, eventId: event.id }, 'bus listener threw; delivering to the others');
        }
      }
    },
    async subscribe(listener: EventListener): Promise<BusSubscription> {
      const own = (event: HubEvent) => listener(event); // a distinct entry even if the same function subscribes twice
      listeners.add(own);
      return { close: async () => void listeners.delete(own) };
    },
    onReconnect: () => () => {},
    async ping() {},
    async close() {
      listeners.clear();
    },
  };
}
