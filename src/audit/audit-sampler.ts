/** What a sampled occurrence reports when it opens a window. */
export interface Sampled {
  /** This occurrence plus those counted, not recorded, in the key's previous window. */
  occurrences: number;
  /** True when the sampler was full and the occurrence was counted in its bucket's shared window. */
  overflow: boolean;
}

export interface AuditSampler {
  /**
   * Null when `key` has a window open (the occurrence is counted for the
   * next report); else opens one and says what to report. When `maxKeys`
   * windows are open and none has expired, a new key shares the window of
   * `bucket` instead, so a caller who makes up keys gets one report per
   * window and bucket, however many keys it invents.
   */
  sample(key: string, bucket: string): Sampled | null;
  /** Open windows, overflow ones included (for tests and metrics). */
  size(): number;
}

export interface AuditSamplerOptions {
  windowMs: number;
  /** Most keys with a window of their own. */
  maxKeys: number;
  /** Most overflow buckets; callers use a small closed set (the tenants that record). Default 1024. */
  maxBuckets?: number;
  now?: () => number;
}

interface Window {
  openedAt: number;
  suppressed: number;
}

/**
 * One window per key, in a Map kept in opening order (a reopened key moves
 * to the back), so the expired windows are always at the front and dropping
 * them costs only what it drops. Memory is bounded by `maxKeys` plus
 * `maxBuckets` windows whatever the callers send.
 */
export function createAuditSampler({
  windowMs,
  maxKeys,
  maxBuckets = 1024,
  now = Date.now,
}: AuditSamplerOptions): AuditSampler {
  const windows = new Map<string, Window>();
  const overflow = new Map<string, Window>();

  /** Counts in `key`'s open window, or (re)opens it; `room` says whether a new key may be added. */
  function hit(
    map: Map<string, Window>,
    key: string,
    at: number,
    room: (map: Map<string, Window>) => boolean,
  ): number | null | undefined {
    const window = map.get(key);
    if (window && at - window.openedAt < windowMs) {
      window.suppressed++;
      return null;
    }
    if (window) map.delete(key);
    else if (!room(map)) return undefined;
    map.set(key, { openedAt: at, suppressed: 0 });
    return 1 + (window?.suppressed ?? 0);
  }

  /** Drops expired windows from the front until there is room; false when every window is still open. */
  const roomUpTo = (limit: number) => (map: Map<string, Window>) => {
    if (map.size < limit) return true;
    const cutoff = now() - windowMs;
    for (const [key, window] of map) {
      if (window.openedAt > cutoff || map.size < limit) break;
      map.delete(key);
    }
    return map.size < limit;
  };

  return {
    sample(key, bucket) {
      const at = now();
      const own = hit(windows, key, at, roomUpTo(maxKeys));
      if (own !== undefined) return own === null ? null : { occurrences: own, overflow: false };
      // Past maxBuckets, one shared bucket: the hard bound holds even if a caller's buckets were not a closed set.
      let shared = hit(overflow, bucket, at, roomUpTo(maxBuckets));
      if (shared === undefined) shared = hit(overflow, '', at, () => true) ?? null;
      return shared === null ? null : { occurrences: shared, overflow: true };
    },
    size: () => windows.size + overflow.size,
  };
}
