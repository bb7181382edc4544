import { HubError, ErrorCode, unavailable } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { EventBus } from '../event-bus.ts';
import { jsonEventSerializer, type EventSerializer } from './event-serializer.ts';
import { openRedisChannel } from './redis-channel.ts';
import { closeConnection, openConnection } from './redis-connection.ts';

export const DEFAULT_CHANNEL = 'event-hub:events';

export interface RedisEventBusOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** The pub/sub channel all hub instances share. Default `event-hub:events`. */
  channel?: string;
  log: Logger;
  /** How events travel; every instance on the channel must use the same one. Default JSON. */
  serializer?: EventSerializer;
  /**
   * How long publish, ping and subscribe wait for Redis to answer before they
   * reject with UNAVAILABLE. Only matters when Redis is reachable but silent:
   * while the connection is down they reject at once. Default 1000.
   */
  commandTimeoutMs?: number;
  /** Reconnect backoff: 50 ms doubling up to this. Default 2000. */
  maxReconnectDelayMs?: number;
}

/**
 * The Redis adapter. `onReconnect` fires once Redis has confirmed the channel
 * subscription on a new subscribe connection (when anyone listens).
 */
export type RedisEventBus = EventBus;

const WHAT = 'the Redis event bus';

/**
 * The event bus across hub instances (docs/ARCHITECTURE.md §1): Redis pub/sub on one
 * channel, one connection that publishes and one that subscribes.
 *
 * Failure behaviour. Resolves once both connections are ready; rejects with
 * UNAVAILABLE when Redis cannot be reached at start. Afterwards it reconnects
 * on its own, forever. While Redis is down, `publish`, `ping` and a new
 * `subscribe` reject with UNAVAILABLE at once rather than queue (the event is
 * already in the store, and the caller must not hang), and after
 * `commandTimeoutMs` when Redis is up but silent; such a timed-out publish may
 * still be delivered later. Existing listeners stay registered across an
 * outage and hear events again once `onReconnect` fires.
 */
export async function createRedisEventBus(options: RedisEventBusOptions): Promise<RedisEventBus> {
  const channelName = options.channel ?? DEFAULT_CHANNEL;
  const log = options.log.child({ component: 'redis-event-bus', channel: channelName });
  let closing: Promise<void> | undefined;
  const connectionOptions = {
    url: options.url,
    commandTimeoutMs: options.commandTimeoutMs ?? 1000,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 2000,
    log,
    isClosing: () => closing !== undefined,
  };
  const publisher = openConnection({ ...connectionOptions, role: 'publish' });
  const subscriber = openConnection({ ...connectionOptions, role: 'subscribe' });
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    closing = Promise.resolve();
    publisher.disconnect();
    subscriber.disconnect();
    throw unavailable(WHAT, error);
  }

  const serializer = options.serializer ?? jsonEventSerializer;
  const channel = openRedisChannel({ connection: subscriber, channel: channelName, serializer, log });
  const reconnectListeners = new Set<() => void>();

  // Registered after the first connect, so every 'ready' from here on is a reconnect.
  subscriber.on('ready', () => {
    channel.resubscribe().then(
      () => {
        log.info(
          { listeners: channel.listeners },
          'redis event bus live again; events published meanwhile come from the store',
        );
        for (const listener of reconnectListeners) notify(listener);
      },
      (error: unknown) => log.warn({ err: error }, 'redis resubscribe failed; retrying on the next reconnect'),
    );
  });

  function notify(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      log.error({ err: error }, 'bus reconnect listener threw');
    }
  }

  const failFast = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      throw unavailable(WHAT, error);
    }
  };

  return {
    async publish(event) {
      const message = serializer.serialize(event);
      await failFast(() => publisher.publish(channelName, message));
    },
    async subscribe(listener) {
      if (closing) throw new HubError(ErrorCode.UNAVAILABLE, 'the event bus is closed');
      const remove = await failFast(() => channel.add(listener));
      return { close: async () => remove() };
    },
    async ping() {
      // On the subscriber, PING queues behind a resubscribe in flight: pong means live again.
      await failFast(() => Promise.all([publisher.ping(), subscriber.ping()]));
    },
    onReconnect(listener) {
      const own = () => listener();
      reconnectListeners.add(own);
      return () => void reconnectListeners.delete(own);
    },
    close() {
      closing ??= (async () => {
        channel.clear();
        reconnectListeners.clear();
        await Promise.all([closeConnection(publisher), closeConnection(subscriber)]);
      })();
      return closing;
    },
  };
}
