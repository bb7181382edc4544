/** What `take` answers: every point was taken, or none was and this is when the window ends. */
export type RateTake = { taken: true } | { taken: false; retryAfterMs: number };

/**
 * Counts points per bucket in fixed one-second windows. Everyone on the same
 * backend shares a bucket: every hub process on one Redis, or this process
 * alone in memory. A bucket is always taken from with the same limit in one
 * process (it names a tenant or a key, whose limit is configured).
 */
export interface RateLimitStore {
  /**
   * Takes `points` from `bucket`'s current window, which holds `limit`. All or
   * nothing: when they do not all fit, nothing is taken, and `retryAfterMs`
   * (at least 1) is when the window ends and the whole limit is back.
   * Rejects when the backend fails or does not answer in time; the caller
   * decides what that means (publishes fail open).
   */
  take(bucket: string, limit: number, points: number): Promise<RateTake>;
  close(): Promise<void>;
}
