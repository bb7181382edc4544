import type { RetentionPolicyConfig } from '../config.ts';

export interface RetentionPolicy {
  /** How long the archive keeps an event (from `receivedAt`) before it moves to cold. */
  warmMs: number;
  /** How long a cold segment is kept (from its last event's `receivedAt`) before it is deleted. */
  coldMs: number;
  /** Legal hold: segments are never deleted. */
  hold: boolean;
}

export const DAY_MS = 86_400_000;

/** Each tenant's policy: its own entry of HUB_RETENTION_POLICIES over the defaults. */
export function createPolicies(
  defaults: { warmMs: number; coldMs: number },
  tenants: readonly RetentionPolicyConfig[],
) {
  const byTenant = new Map(tenants.map((policy) => [policy.tenant, policy]));
  return (tenantId: string): RetentionPolicy => {
    const own = byTenant.get(tenantId);
    return { warmMs: own?.warm ?? defaults.warmMs, coldMs: own?.cold ?? defaults.coldMs, hold: own?.hold ?? false };
  };
}

/**
 * Events received before this instant leave the archive. From a day of warm
 * up it is the start of a UTC day, so a day moves once, whole, as one
 * segment; a shorter warm (tests, a small hub) moves what has aged each run,
 * so a day may then have several segments.
 */
export function warmCutoff(warmMs: number, now: number): number {
  const cutoff = now - warmMs;
  return warmMs >= DAY_MS ? cutoff - (cutoff % DAY_MS) : cutoff;
}
