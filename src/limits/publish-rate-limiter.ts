import { setTimeout as sleep } from 'node:timers/promises';
import { rateLimited } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimitStore } from './rate-limit-store.ts';

/** Who publishes, as far as limits go; a Principal is one. */
export interface Publisher {
  /** The API key's fingerprint (never the key): names the key's own bucket. */
  keyId: string;
  /** The key's own limit in events per second, 0 = none; unset = the tenant's default. */
  rateLimit?: number | undefined;
}

/** A refused publish, as told to `onRateLimited`. */
export interface RateLimitRefusal {
  tenantId: string;
  keyId: string;
  /** Events in the refused request (1 for publishEvent). */
  events: number;
  /** The limit that refused it, events per second. */
  limit: number;
  retryAfterMs: number;
}

export interface PublishRateLimiterOptions {
  store: RateLimitStore;
  /** HUB_RATE_LIMIT: events per second per tenant for keys without their own limit; 0 = none. */
  defaultLimit: number;
  log: Logger;
  /**
   * Called for every refused request, before the error goes out (the
   * metric; the audit event is recorded by the GraphQL layer). What it
   * throws is logged; the answer is RATE_LIMITED either way.
   */
  onRateLimited?: (refusal: RateLimitRefusal) => void;
  /** Least time between two warnings about a failing store; failures in between are counted into the next. Default 30 s. */
  warnEveryMs?: number;
  now?: () => number;
}

export interface PublishRateLimiter {
  /**
   * Takes one point per event from the publisher's budget, or throws
   * RATE_LIMITED having taken none. Without a limit it does nothing; when the
   * store fails or is slow it lets the publish through (fail-open: taking
   * events matters more than limiting them) and logs a rate-limited warning.
   */
  admit(tenantId: string, publisher: Publisher, events: number): Promise<void>;
  /**
   * For the hub's own publishes on a tenant's behalf (REPUBLISH replays): takes `events` points
   * from the tenant's budget (HUB_RATE_LIMIT), waiting as long as it takes instead of refusing,
   * in parts no larger than the limit. Not a refusal, so nobody is told. Resolves false when
   * `signal` aborts first. Fails open like `admit`.
   */
  wait(tenantId: string, events: number, signal: AbortSignal): Promise<boolean>;
}

/**
 * Budgets: a key with its own `rateLimit` has a bucket of its own (per key,
 * `key:<tenant>:<keyId>`), not shared with the tenant's other keys and not
 * taking from the tenant's; every other key of a tenant shares the tenant's
 * bucket (`tenant:<tenant>`) under HUB_RATE_LIMIT. Tenants never share one.
 */
export function createPublishRateLimiter(options: PublishRateLimiterOptions): PublishRateLimiter {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const warnEveryMs = options.warnEveryMs ?? 30_000;
  let lastWarning = -Infinity;
  let unwarned = 0;

  function failedOpen(error: unknown): void {
    unwarned += 1;
    if (now() - lastWarning < warnEveryMs) return;
    log.warn({ err: error, failures: unwarned }, 'rate limit store failed; publishing without a limit');
    lastWarning = now();
    unwarned = 0;
  }

  function tell(refusal: RateLimitRefusal): void {
    try {
      options.onRateLimited?.(refusal);
    } catch (error) {
      log.warn({ err: error }, 'onRateLimited failed');
    }
  }

  return {
    async admit(tenantId, publisher, events) {
      const ownLimit = publisher.rateLimit;
      const limit = ownLimit ?? options.defaultLimit;
      if (limit === 0 || events === 0) return;
      const bucket = ownLimit === undefined ? `tenant:${tenantId}` : `key:${tenantId}:${publisher.keyId}`;
      const take = await store.take(bucket, limit, events).catch((error: unknown) => failedOpen(error));
      if (!take || take.taken) return;
      const { retryAfterMs } = take;
      tell({ tenantId, keyId: publisher.keyId, events, limit, retryAfterMs });
      throw rateLimited(retryAfterMs, limit, events);
    },
    async wait(tenantId, events, signal) {
      const limit = options.defaultLimit;
      for (let left = events; left > 0; ) {
        if (signal.aborted) return false;
        const part = limit === 0 ? left : Math.min(left, limit);
        const take =
          limit === 0
            ? null
            : await store.take(`tenant:${tenantId}`, limit, part).catch((error: unknown) => failedOpen(error));
        if (!take || take.taken) {
          left -= part;
          continue;
        }
        await sleep(take.retryAfterMs, undefined, { signal }).catch(() => {});
      }
      return !signal.aborted;
    },
  };
}
