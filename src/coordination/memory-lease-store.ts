import type { Lease, LeaseStore } from './lease-store.ts';

/** Leases of one process (the embedded default): a map, decided synchronously. */
export function createMemoryLeaseStore({ now = Date.now }: { now?: () => number } = {}): LeaseStore {
  const leases = new Map<string, Lease & { released: boolean }>();
  const holds = (current: (Lease & { released: boolean }) | undefined, lease: Lease) =>
    current !== undefined && current.epoch === lease.epoch && current.owner === lease.owner && !current.released;

  return {
    async acquire(name, owner, ttlMs) {
      const current = leases.get(name);
      const free = !current || current.released || current.expiresAt <= now();
      if (!free && current.owner !== owner) return null;
      const epoch = free ? (current?.epoch ?? 0) + 1 : current.epoch;
      const lease = { name, owner, epoch, expiresAt: now() + ttlMs };
      leases.set(name, { ...lease, released: false });
      return lease;
    },
    async renew(lease, ttlMs) {
      const current = leases.get(lease.name);
      if (!holds(current, lease)) return null;
      current!.expiresAt = now() + ttlMs;
      return { ...lease, expiresAt: current!.expiresAt };
    },
    async release(lease) {
      const current = leases.get(lease.name);
      if (holds(current, lease)) current!.released = true;
    },
    async close() {
      leases.clear();
    },
  };
}
