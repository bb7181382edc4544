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

export function createTokenCache(max: number): TokenCache {
  // a Map iterates in insertion order, so re-inserting on use keeps the least recently used first
  const entries = new Map<string, Principal>();
  return {
    get(digest, now) {
      const principal = entries.get(digest);
      if (principal === undefined) return undefined;
      entries.delete(digest);
      if ((principal.expiresAt ?? 0) <= now) return undefined;
      entries.set(digest, principal);
      return principal;
    },
    set(digest, principal) {
      entries.delete(digest);
      entries.set(digest, principal);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    clear: () => entries.clear(),
  };
}
