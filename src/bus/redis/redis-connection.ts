import { Redis } from 'ioredis';
import type { Logger } from '../../logger.ts';

export type ConnectionRole = 'publish' | 'subscribe';

export interface ConnectionOptions {
  url: string;
  role: ConnectionRole;
  commandTimeoutMs: number;
  maxReconnectDelayMs: number;
  log: Logger;
  /** True once the bus is closing: a close is then expected, not an outage. */
  isClosing: () => boolean;
}

/**
 * A connection that fails fast while Redis is away instead of queueing:
 * no offline queue (a command while disconnected rejects at once), no retry
 * of a command that was in flight when the connection dropped, and a reply
 * deadline for a Redis that is up but not answering. It keeps reconnecting
 * in the background with a capped backoff. Connects on `connect()`.
 *
 * ioredis's own autoResubscribe is off: it resubscribes but says nothing when
 * Redis confirms, and the bus must know that moment (see `onReconnect`).
 * The publishing connection pipelines by itself: the commands issued in one
 * tick of the event loop go to Redis in one write, in order.
 */
export function openConnection(options: ConnectionOptions): Redis {
  const { role, maxReconnectDelayMs } = options;
  const connection = new Redis(options.url, {
    lazyConnect: true,
    connectionName: `event-hub:bus:${role}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    commandTimeout: options.commandTimeoutMs,
    // A batch's PUBLISHes, issued in one tick, leave in one write instead of one each.
    enableAutoPipelining: role === 'publish',
    retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), maxReconnectDelayMs),
  });
  logHealth(connection, options);
  return connection;
}

/** One warning when a connection drops, one line when it is back; retries in between stay at debug. */
function logHealth(connection: Redis, { role, log, isClosing }: ConnectionOptions): void {
  let wasReady = false;
  let lost = false;
  // Without an 'error' listener ioredis prints every failed retry to the console.
  connection.on('error', (error: Error) => {
    if (lost || isClosing()) log.debug({ err: error, connection: role }, 'redis connection error');
    else log.warn({ err: error, connection: role }, 'redis connection error');
  });
  connection.on('close', () => {
    if (!wasReady || lost || isClosing()) return;
    lost = true;
    log.warn({ connection: role }, 'redis connection lost; reconnecting');
  });
  connection.on('ready', () => {
    if (lost) log.info({ connection: role }, 'redis connection restored');
    wasReady = true;
    lost = false;
  });
}

/** QUIT when Redis answers; drop the socket and stop reconnecting either way. */
export async function closeConnection(connection: Redis): Promise<void> {
  try {
    if (connection.status === 'ready') await connection.quit();
  } catch {
    // Redis is down or slow: nothing left to say goodbye to.
  } finally {
    connection.disconnect();
  }
}
