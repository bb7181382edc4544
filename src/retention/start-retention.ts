import type { ColdStore } from '../cold/cold-store.ts';
import type { Config } from '../config.ts';
import type { LeaseStore } from '../coordination/lease-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { createRetentionJob } from './retention-job.ts';
import { createPolicies } from './retention-policy.ts';

export interface RetentionOptions {
  config: Pick<
    Config,
    'HUB_RETENTION_WARM' | 'HUB_RETENTION_COLD' | 'HUB_RETENTION_INTERVAL' | 'HUB_RETENTION_POLICIES' | 'HUB_LEASE_MS'
  >;
  store: EventStore;
  /** Null without HUB_COLD_DIR: then nothing leaves the archive. */
  cold: ColdStore | null;
  leases: LeaseStore;
  ingest: Pick<Ingest, 'publishInternal'>;
  log: Logger;
}

/** Starts the retention job on every process (the lease picks one per run); without a cold tier, says once that nothing ages out. */
export function startRetention({ config, store, cold, leases, ingest, log }: RetentionOptions): {
  close(): Promise<void>;
} {
  if (!cold) {
    log.info(
      { warm: config.HUB_RETENTION_WARM },
      'no HUB_COLD_DIR: events stay in the archive for good and HUB_RETENTION_* do nothing',
    );
    return { close: async () => {} };
  }
  const job = createRetentionJob({
    store,
    cold,
    leases,
    ingest,
    policyOf: createPolicies(
      { warmMs: config.HUB_RETENTION_WARM, coldMs: config.HUB_RETENTION_COLD },
      config.HUB_RETENTION_POLICIES,
    ),
    intervalMs: config.HUB_RETENTION_INTERVAL,
    leaseMs: config.HUB_LEASE_MS,
    log,
  });
  job.start();
  return job;
}
