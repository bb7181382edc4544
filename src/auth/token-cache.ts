import { LRUCache } from 'lru-cache';
import type { Principal } from '../server/auth.ts';

/**
 * Verified tokens by their digest, each until its `expiresAt`, the least
 * recently used dropped beyond `max`: a browser sends the same token with
 * every request and every subscription, and checking a signature again each
 * time would cost far more than the hash lookup an API key takes.
 */
export interface TokenCache {
  get(digest: string, now: number): Principal | undefined;
  set(digest: string, principal: Principal): void;
  /** Forgets everything: the keys that verified those tokens may be gone. */
  clear(): void;
}

/**
 * On lru-cache: evicting the oldest entry of one Map per insert (as this did) walks the deleted
 * slots at the front of V8's table, a cost that grows with the number of tokens held.
 */
export function createTokenCache(max: number): TokenCache {
  const entries = new LRUCache<string, Principal>({ max });
  return {
    get(digest, now) {
      const principal = entries.get(digest);
      if (principal === undefined) return undefined;
      if ((principal.expiresAt ?? 0) > now) return principal;
      entries.delete(digest);
      return undefined;
    },
    set: (digest, principal) => void entries.set(digest, principal),
    clear: () => entries.clear(),
  };
}
