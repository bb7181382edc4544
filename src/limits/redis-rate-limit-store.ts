import { Redis } from 'ioredis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';
import { consume, limiterPerLimit, WINDOW_SECONDS } from './flexible-limiters.ts';
import type { RateLimitStore } from './rate-limit-store.ts';

export const DEFAULT_RATE_KEY_PREFIX = 'event-hub:rate';

export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Prefix of every bucket's key; processes share budgets only under the same one. Default `event-hub:rate`. */
  keyPrefix?: string;
  /**
   * How long a take waits for Redis before it rejects (and publishes go on
   * without a limit). While the connection is down takes reject at once; this
   * bounds a Redis that is up but silent. Default 200.
   */
  timeoutMs?: number;
  /** Reconnect backoff: 50 ms doubling up to this. Default 2000. */
  maxReconnectDelayMs?: number;
  log: Logger;
}

/**
 * Takes all the points or none, atomically: rate-limiter-flexible's own script
 * counts a refused consume too, which would make a refused batch eat the
 * budget of the publishes after it. Its arguments are the library's: points,
 * window seconds, the limit. A refusal answers the total it would have made.
 */
const TAKE_ALL_OR_NOTHING = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local wanted = tonumber(redis.call('get', KEYS[1])) + tonumber(ARGV[1])
if wanted <= tonumber(ARGV[3]) then redis.call('incrby', KEYS[1], ARGV[1]) end
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {wanted, ttl}`;

/**
 * Budgets in Redis, shared by every hub process on it: one key per bucket and
 * window (`<prefix>:<bucket>`, expiring with the window). Processes that
 * disagree on a limit (a rolling config change) still count into one key.
 *
 * Failure behaviour: resolves even when Redis cannot be reached at start (one
 * warning; it keeps reconnecting), because a limit must never keep the hub
 * from taking events. No offline queue and no retries: while Redis is away a
 * take rejects at once, and after `timeoutMs` when Redis does not answer.
 */
export async function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): Promise<RateLimitStore> {
  const log = options.log.child({ component: 'redis-rate-limits' });
  const timeoutMs = options.timeoutMs ?? 200;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
  const connection = new Redis(options.url, {
    lazyConnect: true,
    connectionName: 'event-hub:rate-limits',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), maxReconnectDelayMs),
  });
  // The limiter reports failed takes (rate-limited); connection errors would repeat every retry.
  connection.on('error', (error: Error) => log.debug({ err: error }, 'redis connection error'));
  try {
    await connection.connect();
  } catch (error) {
    log.warn({ err: error }, 'rate-limit Redis unreachable at start; publishes are not limited until it answers');
  }

  const limiter = limiterPerLimit(
    (limit) =>
      new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({
          storeClient: connection,
          keyPrefix: options.keyPrefix ?? DEFAULT_RATE_KEY_PREFIX,
          points: limit,
          duration: WINDOW_SECONDS,
          rejectIfRedisNotReady: true,
          customIncrTtlLuaScript: TAKE_ALL_OR_NOTHING,
        }),
        timeoutMs,
      }),
  );
  return {
    take: (bucket, limit, points) => consume(limiter(limit), bucket, points),
    async close() {
      try {
        if (connection.status === 'ready') await connection.quit();
      } catch {
        // Redis is down or slow: nothing left to say goodbye to.
      } finally {
        connection.disconnect();
      }
    },
  };
}
