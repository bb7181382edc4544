import type { HubEvent } from '../events/event.ts';

export type EventListener = (event: HubEvent) => void;

export interface BusSubscription {
  /** Stops delivery to this listener; idempotent. */
  close(): Promise<void>;
}

/**
 * Fans stored events out to every hub instance (docs/ARCHITECTURE.md §1). The bus is a
 * notification channel, not the record: what it drops, readers recover
 * from the store by position.
 */
export interface EventBus {
  /**
   * Sends an already stored event to the listeners of every instance,
   * including this one. Resolves when the bus has taken the event; delivery
   * is at most once and, per publisher, in publish order, and may happen
   * before or after the promise resolves. Rejects with UNAVAILABLE when the
   * bus is down (the event then reaches no listener).
   */
  publish(event: HubEvent): Promise<void>;

  /**
   * Registers a listener for every published event, of every tenant (the
   * caller filters). Resolves only once live: an event published after the
   * promise resolves reaches the listener. A listener should not throw; if
   * it does, the bus logs the error and goes on with the other listeners.
   */
  subscribe(listener: EventListener): Promise<BusSubscription>;

  /**
   * Calls `listener` each time the bus is live again after it lost its
   * connection: events published from then on reach listeners again. Events
   * published during the outage were not delivered and never will be; the
   * caller reads them from the store. Returns a function that removes the
   * listener. A bus that cannot lose its connection never calls it.
   */
  onReconnect(listener: () => void): () => void;

  /** Resolves when the bus answers; rejects otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
