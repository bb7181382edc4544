import type { Redis } from 'ioredis';
import type { HubEvent } from '../../events/event.ts';
import type { Logger } from '../../logger.ts';
import type { EventListener } from '../event-bus.ts';
import type { EventSerializer } from './event-serializer.ts';

export interface RedisChannel {
  /**
   * Adds a listener; resolves with its remover once Redis has confirmed the
   * channel subscription. Rejects (and drops the listener) when it cannot.
   */
  add(listener: EventListener): Promise<() => void>;
  /** After a reconnect: subscribes again if anyone listens; resolves once Redis confirms. */
  resubscribe(): Promise<void>;
  readonly listeners: number;
  clear(): void;
}

export interface RedisChannelOptions {
  connection: Redis;
  channel: string;
  serializer: EventSerializer;
  log: Logger;
}

/**
 * One SUBSCRIBE per instance, however many listeners: Redis's PUBLISH cost
 * grows with the subscriptions on the server, so websocket subscribers fan
 * out here, in process. The channel is subscribed while at least one
 * listener exists.
 */
export function openRedisChannel({ connection, channel, serializer, log }: RedisChannelOptions): RedisChannel {
  const listeners = new Set<EventListener>();
  // The SUBSCRIBE sent on the current connection: pending, then confirmed. Unset while unsubscribed.
  let subscribed: Promise<void> | undefined;

  connection.on('message', (from: string, message: string) => {
    if (from === channel) dispatch(message);
  });
  // A new connection starts with no subscriptions.
  connection.on('close', () => {
    subscribed = undefined;
  });

  function dispatch(message: string): void {
    let event: HubEvent;
    try {
      event = serializer.deserialize(message);
    } catch (error) {
      log.error({ err: error, bytes: message.length }, 'undecodable bus message dropped');
      return;
    }
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error({ err: error, eventId: event.id }, 'bus listener threw');
      }
    }
  }

  function ensureSubscribed(): Promise<void> {
    if (subscribed) return subscribed;
    const attempt = connection.subscribe(channel).then(() => undefined);
    subscribed = attempt;
    attempt.catch(() => {
      if (subscribed === attempt) subscribed = undefined;
    });
    return attempt;
  }

  // Commands on one connection run in order, so a SUBSCRIBE sent after this UNSUBSCRIBE wins.
  function releaseIfUnused(): void {
    if (listeners.size > 0 || !subscribed) return;
    subscribed = undefined;
    connection.unsubscribe(channel).catch((error: unknown) => {
      log.debug({ err: error }, 'redis unsubscribe failed'); // the connection dropped, and its subscription with it
    });
  }

  return {
    async add(listener) {
      const own: EventListener = (event) => listener(event); // a distinct entry even if the same function subscribes twice
      listeners.add(own);
      try {
        await ensureSubscribed();
      } catch (error) {
        listeners.delete(own);
        releaseIfUnused();
        throw error;
      }
      return () => {
        if (listeners.delete(own)) releaseIfUnused();
      };
    },
    async resubscribe() {
      if (listeners.size > 0) await ensureSubscribed();
    },
    get listeners() {
      return listeners.size;
    },
    clear() {
      listeners.clear();
    },
  };
}
