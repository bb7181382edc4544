import type { HubEvent } from '../events/event.ts';

export type EventListener = (event: HubEvent) => void;

export interface BusSubscription {
  /** Stops delivery to this listener; idempotent. */
  close(): Promise<void>;
}

/**
 * Fans stored events out to every hub instance (DESIGN §1). The bus is a
 * notification channel, not the record: what it drops, readers recover
 * from the store by position.
 */
export interface EventBus {
  /**
   * Sends an already stored event to the listeners of every instance,
   * including this one. Resolves when the bus has taken the event; delivery
   * is at most once and, per publisher, in publish order.
   */
  publish(event: HubEvent): Promise<void>;

  /**
   * Registers a listener for every published event, of every tenant (the
   * caller filters). Resolves only once live: an event published after the
   * promise resolves reaches the listener. A listener must not throw.
   */
  subscribe(listener: EventListener): Promise<BusSubscription>;

  /** Resolves when the bus answers; rejects otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
