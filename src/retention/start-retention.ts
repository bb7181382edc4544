import type { ColdStore } from '../cold/cold-store.ts';
import type { Config } from '../config.ts';
import type { LeaseStore } from '../coordination/lease-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import type { RetentionFaults } from './archive-tenant.ts';
import { createRetentionJob } from './retention-job.ts';
import { createPolicies } from './retention-policy.ts';

export interface RetentionOptions {
  config: Pick<
    Config,
    | 'HUB_RETENTION_WARM'
    | 'HUB_RETENTION_COLD'
    | 'HUB_RETENTION_INTERVAL'
    | 'HUB_RETENTION_POLICIES'
    | 'HUB_RETENTION_CRASH_AT'
    | 'HUB_LEASE_MS'
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
    faults: crashAt(config.HUB_RETENTION_CRASH_AT, log),
  });
  job.start();
  return job;
}

/**
 * HUB_RETENTION_CRASH_AT (tests only): a real `kill -9` of this process at that step, so an e2e
 * test proves what survives a crash there: nothing in the process gets to clean up.
 */
function crashAt(step: keyof RetentionFaults | undefined, log: Logger): RetentionFaults {
  if (step === undefined) return {};
  return {
    [step]: () => {
      log.warn({ step }, 'HUB_RETENTION_CRASH_AT: killing this process');
      process.kill(process.pid, 'SIGKILL');
      return new Promise<void>(() => {}); // nothing after the step runs, whenever the signal lands
    },
  };
}
