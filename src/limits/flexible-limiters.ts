import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateTake } from './rate-limit-store.ts';

/** One-second windows: limits are configured in events per second. */
export const WINDOW_SECONDS = 1;

/**
 * rate-limiter-flexible fixes `points` per limiter, so the stores keep one per
 * distinct limit; there are few (HUB_RATE_LIMIT and the keys' own).
 */
export function limiterPerLimit<L>(create: (limit: number) => L): (limit: number) => L {
  const limiters = new Map<number, L>();
  return (limit) => {
    let limiter = limiters.get(limit);
    if (!limiter) {
      limiter = create(limit);
      limiters.set(limit, limiter);
    }
    return limiter;
  };
}

/** A consume as a RateTake: a RateLimiterRes rejection is a refusal, anything else a failure. */
export async function consume(
  limiter: Pick<RateLimiterAbstract, 'consume'>,
  bucket: string,
  points: number,
): Promise<RateTake> {
  try {
    await limiter.consume(bucket, points);
    return { taken: true };
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return { taken: false, retryAfterMs: Math.max(1, Math.ceil(rejection.msBeforeNext)) };
  }
}
