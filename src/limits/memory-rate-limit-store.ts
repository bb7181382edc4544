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
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const limiter = limiterPerLimit((limit) => new RateLimiterMemory({ points: limit, duration: WINDOW_SECONDS }));
  return {
    async take(bucket, limit, points) {
      const result = await consume(limiter(limit), bucket, points);
      if (!result.taken) await limiter(limit).reward(bucket, points);
      return result;
    },
    close: async () => {},
  };
}
