import type { ReplayJob } from './replay-job.ts';
import type { ReplayDifference } from './shadow-outcome.ts';

/** What was decided first about a job that had not begun: it runs, or it was cancelled. */
export type ReplayFate = 'RUN' | 'CANCELLED';

/** One run of one handler on one event within a job. */
export interface RunKey {
  jobId: string;
  eventId: string;
  handler: string;
}

/**
 * The state of a run: STARTED when claimed and not settled (its process may
 * have died in the middle of it), DONE or FAILED once settled.
 */
export type RunState = 'STARTED' | 'DONE' | 'FAILED';

/** How a claimed run ended. */
export interface RunOutcome {
  key: RunKey;
  state: 'DONE' | 'FAILED';
}

export interface ReplayJobPage {
  /** Newest first. */
  jobs: ReplayJob[];
  hasNextPage: boolean;
}

/** Where a page of differences continues: strictly after this (position, handler). */
export interface DifferenceCursor {
  position: number;
  handler: string;
}

export interface DifferencePage {
  /** In event order (position), then by handler. */
  differences: ReplayDifference[];
  hasNextPage: boolean;
}

/**
 * What a SHADOW job keeps besides itself: the differences it found, and the
 * scratch namespace its handlers' projections are written to. Both belong to
 * the job: the scratch is dropped when it ends, the differences with the job
 * (retention).
 */
export interface ShadowRecords {
  /**
   * Stores differences, each replacing the one of the same (jobId, eventId,
   * handler): a chunk run again after a takeover overwrites what it found the
   * first time instead of adding to it. Only the job's lease holder calls it.
   */
  putDifferences(differences: readonly ReplayDifference[]): Promise<void>;
  /** The tenant's job's differences, `first` of them after `after`; another tenant's job (or an unknown one) has none. */
  differences(
    tenantId: string,
    jobId: string,
    page: { first: number; after?: DifferenceCursor },
  ): Promise<DifferencePage>;
  /** Removes the job's differences of events past `position`: a job resuming from that checkpoint runs them again. */
  dropDifferencesAfter(jobId: string, position: number): Promise<void>;
  /** A projection document of the job's scratch namespace, or null when the shadow has not written it. */
  getScratch(jobId: string, projection: string, key: string): Promise<Record<string, unknown> | null>;
  putScratch(jobId: string, projection: string, key: string, value: Record<string, unknown>): Promise<void>;
  /** Drops the job's scratch namespace (its end, or retention); dropping twice is harmless. */
  dropScratch(jobId: string): Promise<void>;
}

/**
 * Replay jobs and what keeps them exactly-once across processes (docs/ARCHITECTURE.md §13:
 * replay jobs in the store). Everything that decides between processes is an
 * insert into a unique key (FerretDB applies concurrent updates to one
 * document non-atomically; docs/ARCHITECTURE.md §6): a job's state is
 * written only by the holder of its lease, a cancellation is a marker of its
 * own, and a handler run is claimed before it starts.
 *
 * Every call that reads a job is scoped to one tenant: another tenant's job
 * reads as absent, never as its data.
 */
export interface ReplayStore extends ShadowRecords {
  /** Stores a new job. Its id is fresh (a UUIDv7), so the insert cannot collide. */
  create(job: ReplayJob): Promise<void>;

  /**
   * The tenant's job by id, or null (absent, or another tenant's). A job
   * cancelled before it began reads CANCELLED (finishedAt = when the cancel
   * was asked) even before a runner has written that. `cancelRequested`:
   * for a job not final yet, whether a cancel was asked; for a final one,
   * whether it ended CANCELLED.
   */
  get(tenantId: string, id: string): Promise<ReplayJob | null>;

  /**
   * The job's saved state as its runner left it (no cancel view applied,
   * `cancelRequested` false), for the process that holds its lease; null
   * when there is no such job.
   */
  load(jobId: string): Promise<ReplayJob | null>;

  /** The tenant's jobs newest first (by id, which is time-ordered); `after` is the id the previous page ended with. */
  list(tenantId: string, page: { first: number; after?: string }): Promise<ReplayJobPage>;

  /**
   * What every process polls for work: for each tenant that has jobs whose
   * saved status is PENDING or RUNNING, its `perTenant` oldest such jobs,
   * oldest first within the tenant (tenants in no particular order). Offering
   * only a tenant's oldest jobs is what caps the jobs active per tenant
   * across processes, and offering every tenant keeps one tenant's backlog
   * from holding up another's. A job offered may already be held by another
   * process, or cancelled before it began. The saved state as is:
   * `cancelRequested` is false here (see `cancelRequested`).
   */
  runnable(perTenant: number): Promise<ReplayJob[]>;

  /**
   * Replaces the job's saved state (status, counts, checkpoint, ...). Only
   * the holder of the job's lease calls it, so writes never race.
   * `cancelRequested` is not saved.
   */
  save(job: ReplayJob): Promise<void>;

  /**
   * Decides, once for all processes, whether a job that had not begun runs:
   * the first of `begin` and `requestCancel` wins, and every later call of
   * either returns that first decision. A runner calls it before its first
   * side effect, also when it takes a job over.
   */
  begin(jobId: string): Promise<ReplayFate>;

  /**
   * Asks to cancel the tenant's job: writes a cancel marker (an insert;
   * asking twice is harmless) and, when the job has not begun, decides that
   * it never will (see `begin`). False when the tenant has no such job.
   */
  requestCancel(tenantId: string, id: string): Promise<boolean>;

  /** Whether a cancel was asked for the job; its runner checks it several times a second. */
  cancelRequested(jobId: string): Promise<boolean>;

  /**
   * Claims handler runs before they start, in one write: per key, in order,
   * 'CLAIMED' for the one call that created the claim, ever (across processes
   * and restarts); otherwise the state the run is in, so a run that may have
   * been interrupted by a crash (STARTED) is never started again.
   */
  claimRuns(keys: readonly RunKey[]): Promise<('CLAIMED' | RunState)[]>;

  /** Records how claimed runs ended, in one write. Only their claimer calls it. */
  settleRuns(outcomes: readonly RunOutcome[]): Promise<void>;

  /**
   * Takes back claims of runs that never started (their runner stopped
   * first), so whoever runs the job next runs them. Only their claimer calls it.
   */
  releaseRuns(keys: readonly RunKey[]): Promise<void>;

  /**
   * Retention: deletes up to `limit` jobs that ended (COMPLETED, FAILED, CANCELLED) before
   * `finishedBefore`, with their marks, runs, differences and scratch, and answers how many jobs
   * went. Those go first, so a job interrupted half way is found and finished by the next call. Every
   * process may call it; deleting twice is harmless.
   */
  dropFinished(finishedBefore: Date, limit: number): Promise<number>;

  close(): Promise<void>;
}
