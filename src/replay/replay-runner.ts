import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lease, LeaseStore } from '../coordination/lease-store.ts';
import { ErrorCode, isHubError } from '../errors.ts';
import { compileFilter, createMatcher } from '../filter/index.ts';
import type { HubHandler } from '../handlers/handler.ts';
import type { EventStore } from '../store/event-store.ts';
import { isFinal, ReplayStatus } from './replay-job.ts';
import type { ReplayHandler, TargetServices } from './replay-targets.ts';
import { endReplay, LeaseLost, ReplayFailure, runReplay, type RunReplayOptions } from './run-replay.ts';
import { createTokenBucket } from './token-bucket.ts';

export interface ReplayRunnerOptions extends Omit<TargetServices, 'now'> {
  store: EventStore;
  leases: LeaseStore;
  handlers: readonly HubHandler[];
  /** HUB_REPLAY_RATE: events per second for all the jobs this process runs together. */
  ratePerSecond: number;
  /** HUB_LEASE_MS: how long a job's lease lasts without renewal; renewed every third of it. */
  leaseMs: number;
  /** HUB_REPLAY_POLL_MS: how often the store is asked for runnable jobs. Default 1000. */
  pollMs?: number;
  /** HUB_MAX_ACTIVE_REPLAYS_PER_TENANT: jobs of one tenant running at once across processes; later ones wait PENDING, in order. Default 2. */
  maxActivePerTenant?: number;
  /** HUB_REPLAY_RETENTION_DAYS in ms: how long a job is kept after it ended. Default 30 days. */
  retentionMs?: number;
  /** How often this process drops jobs past their retention. Default an hour. */
  sweepMs?: number;
  /** How often the jobs running here look for a cancel marker. Default 250 (a cancel stops a job within a second). */
  cancelCheckMs?: number;
  now?: () => number;
}

export interface ReplayRunner {
  /** Starts polling; the first look is now. */
  start(): void;
  /** Looks for runnable jobs now rather than at the next poll (a job was just created); nothing before `start`. */
  poke(): void;
  /** A cancel was asked on this process: a job running here stops at once instead of at the next check. */
  cancelled(jobId: string): void;
  /** Stops every job after the event in hand, saves where it stands and releases its lease. */
  close(): Promise<void>;
}

interface RunningJob {
  lease: Lease;
  holds: boolean;
  cancelled: boolean;
  controller: AbortController;
  done: Promise<void>;
}

/** Jobs in turns across tenants (each tenant's oldest first), so a tenant with many jobs takes no more turns than one with a single job. */
export function roundRobin<T extends { tenantId: string; id: string }>(jobs: readonly T[]): T[] {
  const queues = new Map<string, T[]>();
  for (const job of [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const queue = queues.get(job.tenantId);
    if (queue) queue.push(job);
    else queues.set(job.tenantId, [job]);
  }
  const turns: T[] = [];
  for (let round = 0; turns.length < jobs.length; round++) {
    for (const queue of queues.values()) if (round < queue.length) turns.push(queue[round]!);
  }
  return turns;
}

/** Unexpected failures in a row before a job is given up as FAILED (store outages are retried without limit). */
const MAX_FAILURES = 3;

/**
 * Runs replay jobs, one process per job (a lease `replay:<jobId>`): every
 * process polls the store for PENDING and RUNNING jobs and takes those whose
 * lease is free — new ones, and those of a process that died (its lease
 * expired) or shut down (released it).
 */
export function createReplayRunner(options: ReplayRunnerOptions): ReplayRunner {
  const { replayStore, leases, log } = options;
  const now = options.now ?? Date.now;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const bucket = createTokenBucket({ ratePerSecond: options.ratePerSecond });
  const handlers = new Map<string, ReplayHandler>(
    options.handlers.map((handler) => [
      handler.name,
      { handler, matches: createMatcher(compileFilter({ types: [...handler.eventTypes] })) },
    ]),
  );
  const running = new Map<string, RunningJob>();
  let timers: NodeJS.Timeout[] = [];
  let started = false;
  let closed = false;
  /** Aborts on close; unlike a job's own signal, a cancel does not abort it. */
  const shutdown = new AbortController();
  let scanning: Promise<void> | null = null;
  let again = false;

  function scan(): void {
    if (!started || closed) return;
    if (scanning) {
      again = true;
      return;
    }
    scanning = takeRunnable().finally(() => {
      scanning = null;
      if (again) {
        again = false;
        scan();
      }
    });
  }

  async function takeRunnable(): Promise<void> {
    try {
      for (const job of roundRobin(await replayStore.runnable(options.maxActivePerTenant ?? 2))) {
        if (closed) return;
        if (running.has(job.id)) continue;
        const lease = await leases.acquire(`replay:${job.id}`, owner, options.leaseMs);
        if (lease) run(job.id, lease);
      }
    } catch (error) {
      log.warn({ err: error }, 'looking for replay jobs failed; trying again at the next poll');
    }
  }

  function run(jobId: string, lease: Lease): void {
    const entry: RunningJob = {
      lease,
      holds: true,
      cancelled: false,
      controller: new AbortController(),
      done: Promise.resolve(),
    };
    running.set(jobId, entry);
    log.info({ jobId, epoch: lease.epoch }, 'replay job taken');
    entry.done = work(jobId, entry).finally(async () => {
      running.delete(jobId);
      if (entry.holds)
        await leases
          .release(entry.lease)
          .catch((error: unknown) => log.warn({ err: error, jobId }, 'releasing a replay lease failed'));
    });
  }

  async function work(jobId: string, entry: RunningJob): Promise<void> {
    const holds = () => entry.holds && now() < entry.lease.expiresAt;
    const services = {
      ...options,
      store: options.store,
      handlers,
      bucket,
      now,
      signal: entry.controller.signal,
      holds,
      cancelled: () => entry.cancelled,
    };
    for (let failures = 0; ; ) {
      if (closed || !entry.holds || (entry.controller.signal.aborted && !entry.cancelled)) return;
      try {
        const job = await replayStore.load(jobId);
        if (!job || isFinal(job.status)) return;
        if (!entry.cancelled && (await replayStore.cancelRequested(jobId))) markCancelled(entry);
        await runReplay(job, services);
        return;
      } catch (error) {
        if (error instanceof LeaseLost) return;
        const unavailable = isHubError(error) && error.code === ErrorCode.UNAVAILABLE;
        failures = unavailable ? 0 : failures + 1;
        log.warn({ err: error, jobId, failures }, 'replay job run failed');
        if (error instanceof ReplayFailure || failures >= MAX_FAILURES) return await fail(jobId, error, services);
        await sleep(1000, undefined, { signal: shutdown.signal }).catch(() => {});
      }
    }
  }

  /** Ends a job that cannot go on as FAILED, from its latest saved state; a store that fails here leaves it to the next holder. */
  async function fail(
    jobId: string,
    error: unknown,
    services: Pick<RunReplayOptions, 'replayStore' | 'ingest' | 'log' | 'now' | 'holds'>,
  ) {
    const message =
      error instanceof ReplayFailure || isHubError(error)
        ? error.message
        : 'the replay failed unexpectedly; see the hub log';
    try {
      const job = await replayStore.load(jobId);
      if (job && !isFinal(job.status) && services.holds()) await endReplay(job, ReplayStatus.FAILED, services, message);
    } catch (saveError) {
      log.warn({ err: saveError, jobId }, 'saving a failed replay job failed');
    }
  }

  function markCancelled(entry: RunningJob): void {
    entry.cancelled = true;
    entry.controller.abort(new Error('replay cancelled'));
  }

  async function renewLeases(): Promise<void> {
    for (const [jobId, entry] of running) {
      if (!entry.holds) continue;
      try {
        const renewed = await leases.renew(entry.lease, options.leaseMs);
        if (renewed) {
          entry.lease = renewed;
          continue;
        }
        entry.holds = false;
        log.warn({ jobId }, 'replay lease lost to another process; stopping the job here');
        entry.controller.abort(new Error('lease lost'));
      } catch (error) {
        log.warn({ err: error, jobId }, 'renewing a replay lease failed; trying again');
      }
    }
  }

  /** Drops jobs that ended more than the retention ago, a hundred at a time; a failure waits for the next sweep. */
  async function sweep(): Promise<void> {
    const cutOff = new Date(now() - (options.retentionMs ?? 30 * 86_400_000));
    try {
      let dropped = 0;
      for (let batch = 100; batch === 100 && !closed; dropped += batch)
        batch = await replayStore.dropFinished(cutOff, 100);
      if (dropped > 0) log.info({ dropped, finishedBefore: cutOff }, 'replay jobs past their retention dropped');
    } catch (error) {
      log.warn({ err: error }, 'dropping old replay jobs failed; trying again at the next sweep');
    }
  }

  async function checkCancels(): Promise<void> {
    for (const [jobId, entry] of running) {
      if (entry.cancelled) continue;
      if (await replayStore.cancelRequested(jobId).catch(() => false)) markCancelled(entry);
    }
  }

  return {
    start() {
      started = true;
      timers = [
        setInterval(scan, options.pollMs ?? 1000),
        setInterval(() => void renewLeases(), Math.max(50, Math.floor(options.leaseMs / 3))),
        setInterval(() => void checkCancels(), options.cancelCheckMs ?? 250),
        setInterval(() => void sweep(), options.sweepMs ?? 3_600_000),
      ];
      for (const timer of timers) timer.unref();
      scan();
      void sweep();
    },
    poke: scan,
    cancelled(jobId) {
      const entry = running.get(jobId);
      if (entry && !entry.cancelled) markCancelled(entry);
    },
    async close() {
      if (closed) return;
      closed = true;
      shutdown.abort();
      for (const timer of timers) clearInterval(timer);
      await scanning;
      const jobs = [...running.values()];
      for (const entry of jobs) entry.controller.abort(new Error('hub shutting down'));
      await Promise.all(jobs.map((entry) => entry.done));
    },
  };
}
