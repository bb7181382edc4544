import { RateLimiterMemory } from 'rate-limiter-flexible';
import { consume, limiterPerLimit, WINDOW_SECONDS } from './flexible-limiters.ts';
import type { RateLimitStore } from './rate-limit-store.ts';

/**
 * Budgets in this process's memory: the embedded default, and what each
 * process has on its own without REDIS_URL.
 *
 * RateLimiterMemory counts a refused consume; the points are given back at
 * once, so a refused batch takes nothing. (A consume in between, within the
 * same turn of the event loop, could see them; Redis does it atomically.)
 *
 * `windowSeconds` (default 1, as limits are per second) is for tests that must
 * not see a window end between two steps on a slow machine.
 */
export function createMemoryRateLimitStore({
  windowSeconds = WINDOW_SECONDS,
}: {
  windowSeconds?: number;
} = {}): RateLimitStore {
  const limiter = limiterPerLimit((limit) => new RateLimiterMemory({ points: limit, duration: windowSeconds }));
  return {
    async take(bucket, limit, points) {
      const result = await consume(limiter(limit), bucket, points);
      if (!result.taken) await limiter(limit).reward(bucket, points);
      return result;
    },
    close: async () => {},
  };
}
