import { randomUUID } from 'node:crypto';
import type { ColdStore, SegmentManifest } from '../cold/cold-store.ts';
import type { LeaseStore, Lease } from '../coordination/lease-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { archiveTenant, type RetentionFaults, type RetentionWork } from './archive-tenant.ts';
import { purgeTenant } from './purge-tenant.ts';
import type { RetentionPolicy } from './retention-policy.ts';

export interface RetentionJobOptions {
  store: EventStore;
  cold: ColdStore;
  leases: LeaseStore;
  ingest: Pick<Ingest, 'publishInternal'>;
  policyOf: (tenantId: string) => RetentionPolicy;
  /** Time between the end of one run and the start of the next (HUB_RETENTION_INTERVAL). */
  intervalMs: number;
  /** How long the job's lease lasts without renewal (HUB_LEASE_MS); renewed before every write and delete. */
  leaseMs: number;
  log: Logger;
  /** Events per segment at most (a larger day is split); bounds the memory of a move. Default 50,000. */
  maxSegmentEvents?: number;
  /** Segments per tenant moved, and purged, in one run at most. Default 1,000. */
  maxSegmentsPerRun?: number;
  now?: () => number;
  faults?: RetentionFaults;
}

export interface RetentionReport {
  archived: SegmentManifest[];
  purged: SegmentManifest[];
  /** Tenants whose work stopped on an error (logged); the next run tries again. */
  failed: string[];
}

export interface RetentionJob {
  /** One run now, or null when another process holds the lease. Throws when the lease is lost part-way. */
  runOnce(): Promise<RetentionReport | null>;
  /** Runs soon, then every interval, until `close`. */
  start(): void;
  /** Stops the timer and lets a run under way stop before its next write. */
  close(): Promise<void>;
}

export const RETENTION_LEASE = 'retention';

class Stopped extends Error {
  override readonly name = 'Stopped';
}

/**
 * The retention job (docs/OPERATIONS.md, "Event life cycle"): tenant by
 * tenant, moves aged events to cold segments and deletes expired segments.
 * One process at a time, through a lease; every step can be repeated, so a
 * run that dies anywhere is finished by the next, on any process.
 */
export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { store, leases, ingest, log } = options;
  const now = options.now ?? Date.now;
  const owner = `retention-${randomUUID()}`;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let closed = false;

  async function record(event: Parameters<RetentionWork['record']>[0]): Promise<void> {
    const [result] = await ingest.publishInternal([event]);
    if (result?.status === 'REJECTED')
      log.warn({ err: result.error, type: event.type }, 'could not record a retention event');
  }

  async function run(): Promise<RetentionReport | null> {
    let lease: Lease | null = await leases.acquire(RETENTION_LEASE, owner, options.leaseMs);
    if (!lease) return null;
    const keep = async () => {
      if (closed) throw new Stopped('the hub is shutting down');
      lease = lease && (await leases.renew(lease, options.leaseMs));
      if (!lease) throw new Stopped('the retention lease was lost');
    };
    const work: RetentionWork = {
      store,
      cold: options.cold,
      keep,
      record,
      maxSegmentEvents: options.maxSegmentEvents ?? 50_000,
      maxSegments: options.maxSegmentsPerRun ?? 1000,
      now,
      faults: options.faults ?? {},
      log,
    };
    const report: RetentionReport = { archived: [], purged: [], failed: [] };
    try {
      for (const tenantId of await store.tenants()) {
        await keep();
        const policy = options.policyOf(tenantId);
        try {
          report.archived.push(...(await archiveTenant(work, tenantId, policy)));
          report.purged.push(...(await purgeTenant(work, tenantId, policy)));
        } catch (error) {
          if (error instanceof Stopped) throw error;
          // One tenant's damaged segment or failed write must not hold the others back.
          log.error({ err: error, tenantId }, 'retention stopped for a tenant; the next run tries again');
          report.failed.push(tenantId);
        }
      }
      return report;
    } finally {
      if (lease) await leases.release(lease).catch(() => {});
    }
  }

  function runOnce(): Promise<RetentionReport | null> {
    const current = run();
    running = current.catch(() => {});
    return current;
  }

  function schedule(delayMs: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .then(
          (report) =>
            report &&
            (report.archived.length || report.purged.length) &&
            log.info({ archived: report.archived.length, purged: report.purged.length }, 'retention run done'),
        )
        .catch((error: unknown) => log.warn({ err: error }, 'retention run failed; the next run finishes its work'))
        .finally(() => schedule(options.intervalMs));
    }, delayMs);
    timer.unref();
  }

  return {
    runOnce,
    start: () => schedule(Math.min(options.intervalMs, 5000)),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
