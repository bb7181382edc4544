/**
 * Leases (docs/ARCHITECTURE.md §13 and docs/HANDLERS.md: handler lines and replay jobs run on one process at a
 * time). A lease is held by one owner until it expires or is released; then
 * anyone may take it, and of several processes trying at once exactly one
 * gets it. Expiry is by the clock of whoever looks, so hold leases for much
 * longer than clocks differ, and renew well before they expire (a third of
 * the time is the hub's rule).
 */
export interface Lease {
  name: string;
  owner: string;
  /** Grows by one with every new holder: a smaller epoch is a stale holder. */
  epoch: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface LeaseStore {
  /**
   * Takes `name` for `owner` for `ttlMs` when it is free, expired or
   * released, or renews it when `owner` already holds it. Null when someone
   * else holds it.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a lease its owner still holds; null when it was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** Gives a lease up so another process may take it at once; a lease no longer held is left alone. */
  release(lease: Lease): Promise<void>;
  close(): Promise<void>;
}
