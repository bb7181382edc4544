/**
 * A replay job (docs/ARCHITECTURE.md §13): reads the archive of one tenant by filter,
 * up to the tenant's head at the job's start, and re-runs handlers on what it
 * reads, republishes it as new events, or (SHADOW) runs handlers with their
 * effects captured and compares what they did with the live trail.
 */
export const ReplayTarget = {
  HANDLERS: 'HANDLERS',
  REPUBLISH: 'REPUBLISH',
  ENDPOINT: 'ENDPOINT',
  SHADOW: 'SHADOW',
} as const;
export type ReplayTarget = (typeof ReplayTarget)[keyof typeof ReplayTarget];

export const ReplayStatus = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type ReplayStatus = (typeof ReplayStatus)[keyof typeof ReplayStatus];

/** The statuses a job never leaves. */
export const isFinal = (status: ReplayStatus): boolean =>
  status === ReplayStatus.COMPLETED || status === ReplayStatus.FAILED || status === ReplayStatus.CANCELLED;

/**
 * The job's filter as the client gave it, in plain JSON (absent fields left
 * out, `from` / `to` as ISO strings): shown as `ReplayJob.filter` and
 * compiled again by whichever process runs the job.
 */
export type ReplayFilterJson = Record<string, unknown>;

export interface ReplayJob {
  /** A UUIDv7: ids sort by creation time, which `replayJobs` (newest first) relies on. */
  id: string;
  tenantId: string;
  status: ReplayStatus;
  filter: ReplayFilterJson;
  target: ReplayTarget;
  /** HANDLERS and SHADOW: the handlers it runs, resolved at creation (when none were named: every live handler, or every shadow handler). Empty otherwise. */
  handlers: string[];
  /** ENDPOINT: the tenant's webhook endpoint the events are sent to again (its filter applies too). */
  endpointId?: string;
  /** Only counts (`total`) and keeps `sample`: no side effects. */
  dryRun: boolean;
  /** Matching events up to `until`: counted first by a dry run, known at the end (processed + failed) otherwise; null until then. */
  total: number | null;
  /** Events done without a failure (HANDLERS: every selected handler succeeded; REPUBLISH: the new event is stored). */
  processed: number;
  /** Events given up on: a handler failed, or an event was interrupted by a crash (never run twice), or the store refused it. */
  failed: number;
  /**
   * SHADOW: (event, handler) pairs whose shadow outcome differs from the live trail so far,
   * saved with the checkpoint (so a takeover recounts only what follows it). Absent otherwise.
   */
  differences?: number;
  /** Ids of the first few matching events. */
  sample: string[];
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  error?: string;
  /** The tenant's head position when the job began: it reads no event above it, so REPUBLISH never chases its own output. */
  until?: number;
  /** The last position the job has dealt with; a takeover resumes after it. */
  checkpoint: number;
  /** True once the tenant asked to cancel; the runner stops within a second. Derived by the store, never saved. */
  cancelRequested: boolean;
}

/** How many event ids a job keeps as its sample. */
export const SAMPLE_SIZE = 10;

/**
 * How much of the job's position range is behind it, 0 to 1: its checkpoint over the head it
 * fixed when it began. Exact for a replay of everything; under a filter an estimate, since the
 * matching events need not be spread evenly. 1 once COMPLETED.
 */
export function progressOf(job: ReplayJob): number {
  if (job.status === ReplayStatus.COMPLETED) return 1;
  if (!job.until) return 0;
  return Math.min(1, job.checkpoint / job.until);
}
