import type { HubEvent } from '../events/event.ts';
import { compileFilter, type CompiledFilter } from '../filter/index.ts';
import type { EventStore } from '../store/event-store.ts';
import { replaySystemEvent } from './replay-events.ts';
import { compileJobFilter } from './replay-input.ts';
import { ReplayStatus, ReplayTarget, SAMPLE_SIZE, type ReplayJob } from './replay-job.ts';
import {
  republishChunk,
  requeueChunk,
  runHandlersOnChunk,
  type ChunkOutcome,
  type ReplayHandler,
  type TargetServices,
} from './replay-targets.ts';
import { isHubError } from '../errors.ts';
import { runShadowOnChunk } from './shadow-chunk.ts';
import type { TokenBucket } from './token-bucket.ts';

export interface RunReplayOptions extends TargetServices {
  store: EventStore;
  handlers: ReadonlyMap<string, ReplayHandler>;
  /** Shared by the process's jobs: HUB_REPLAY_RATE events/s. */
  bucket: TokenBucket;
  /** Aborts on shutdown, when the lease is lost, or when a cancel is asked: the run stops after the event in hand. */
  signal: AbortSignal;
  /** True once a cancel was asked (the signal aborted for that reason). */
  cancelled(): boolean;
  /** False once the job's lease is known to be lost: then nothing more is saved. */
  holds(): boolean;
  /** Events read from the store at a time. Default 200. */
  batch?: number;
}

/** A job that cannot run, whoever tries: it ends FAILED with this message. */
export class ReplayFailure extends Error {
  override readonly name = 'ReplayFailure';
}

/** The run lost its lease: another process holds the job now. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/**
 * Runs one job from its saved state while the caller holds the job's lease,
 * until it is final or the run is stopped. Restartable from any saved state:
 * the counts saved go with the checkpoint saved, and events after the
 * checkpoint are recounted from what the store remembers (REPUBLISH: the
 * replay key makes the event a DUPLICATE; HANDLERS: the run claims).
 */
export async function runReplay(saved: ReplayJob, options: RunReplayOptions): Promise<void> {
  const { store, replayStore } = options;
  let job = saved;
  const save = async (next: ReplayJob) => {
    if (!options.holds()) throw new LeaseLost();
    await replayStore.save(next);
    job = next;
  };
  const at = () => new Date(options.now());

  if ((await replayStore.begin(job.id)) === 'CANCELLED') {
    // Cancelled before it began: readers have seen it CANCELLED since the cancel, with that time.
    const seen = await replayStore.get(job.tenantId, job.id);
    return await save({ ...job, status: ReplayStatus.CANCELLED, finishedAt: seen?.finishedAt ?? at() });
  }
  for (const name of [...job.handlers, ...shadowed(job, options.handlers)]) {
    if (!options.handlers.has(name))
      throw new ReplayFailure(`handler "${name}" is not loaded in the hub process that ran the job`);
  }
  if (job.status === ReplayStatus.PENDING) {
    await save({
      ...job,
      status: ReplayStatus.RUNNING,
      startedAt: at(),
      until: await store.headPosition(job.tenantId),
    });
  }
  const filter = await selection(job, options);
  if (job.dryRun) {
    // A dry run is for the count: exact, with the first few ids as its sample.
    const counted = await count(job, filter, options);
    if (counted === null) return await stopped();
    await save({ ...job, ...counted });
    return await finish(ReplayStatus.COMPLETED);
  }
  // No count first: it would read the whole range once more. `progress` tells how far it is, `total` comes at the end.
  if (job.target !== ReplayTarget.SHADOW)
    await options.ingest.publishInternal([replaySystemEvent(job, 'started', at())]);
  // A shadow resumed from its checkpoint runs what follows again: what it found there before goes, so nothing counts twice.
  else await replayStore.dropDifferencesAfter(job.id, job.checkpoint);

  const range = await store.readRange(job.tenantId, {
    ...jobRange(job, job.checkpoint),
    filter,
    batch: options.batch ?? 200,
  });
  for await (const events of range.pages) {
    for (let i = 0; i < events.length; i += options.bucket.capacity) {
      const chunk = events.slice(i, i + options.bucket.capacity);
      if (options.signal.aborted || !(await options.bucket.take(chunk.length, options.signal))) return await stopped();
      await save(await processChunk(job, chunk, options));
      if (options.signal.aborted) return await stopped();
    }
  }
  job = { ...job, total: job.processed + job.failed, checkpoint: job.until! };
  await finish(ReplayStatus.COMPLETED);

  /** A cancel ends the job; a shutdown or a lost lease leaves it to the next holder. */
  async function stopped(): Promise<void> {
    if (options.cancelled()) await finish(ReplayStatus.CANCELLED);
  }

  async function finish(status: ReplayStatus): Promise<void> {
    if (!options.holds()) throw new LeaseLost();
    await endReplay(job, status, options);
  }
}

/**
 * Saves a job as final. Unless it is a dry run, a SHADOW job (which stores
 * no event) or never began (when `system.replay.started` is emitted),
 * `system.replay.completed` goes out first: a crash between the two writes
 * repeats it, and its key keeps it once. A SHADOW job's scratch projections
 * are dropped.
 */
export async function endReplay(
  job: ReplayJob,
  status: ReplayStatus,
  options: Pick<RunReplayOptions, 'replayStore' | 'ingest' | 'log' | 'now'>,
  error?: string,
): Promise<void> {
  const final: ReplayJob = {
    ...job,
    status,
    finishedAt: new Date(options.now()),
    ...(error !== undefined && { error }),
  };
  const shadow = final.target === ReplayTarget.SHADOW;
  if (!final.dryRun && final.until !== undefined && !shadow)
    await options.ingest.publishInternal([replaySystemEvent(final, 'completed', new Date(options.now()))]);
  // Its projections were for the comparison only; retention drops what a crash here leaves.
  if (shadow) await options.replayStore.dropScratch(final.id);
  await options.replayStore.save(final);
  options.log.info(
    { jobId: job.id, tenantId: job.tenantId, status, processed: job.processed, failed: job.failed },
    'replay job finished',
  );
}

/** SHADOW: the live handlers the job's handlers compare with (those they shadow). */
const shadowed = (job: ReplayJob, handlers: ReadonlyMap<string, ReplayHandler>): string[] =>
  job.target === ReplayTarget.SHADOW ? job.handlers.flatMap((name) => handlers.get(name)?.handler.shadows ?? []) : [];

/**
 * Events the job reads: its filter, and for HANDLERS only those some selected handler takes; for
 * SHADOW also those the handlers it compares with take (a shadow that drops a type shows as
 * SKIPPED); for ENDPOINT only those the endpoint's own filter takes.
 */
async function selection(
  job: ReplayJob,
  options: Pick<RunReplayOptions, 'handlers' | 'webhooks'>,
): Promise<CompiledFilter> {
  const filter = compileJobFilter(job.filter);
  if (job.target === ReplayTarget.REPUBLISH) return filter;
  const other =
    job.target === ReplayTarget.ENDPOINT ? await endpointFilter(job, options) : handlerTypes(job, options.handlers);
  const parts = [filter.query, other.query].filter((query) => Object.keys(query).length > 0);
  return { query: parts.length === 2 ? { $and: parts } : (parts[0] ?? {}), typePatterns: filter.typePatterns };
}

const handlerTypes = (job: ReplayJob, handlers: ReadonlyMap<string, ReplayHandler>) =>
  compileFilter({
    types: [
      ...new Set(
        [...job.handlers, ...shadowed(job, handlers)].flatMap((name) => handlers.get(name)!.handler.eventTypes),
      ),
    ],
  });

/** The filter of the job's endpoint; a job whose endpoint is gone cannot run. */
async function endpointFilter(job: ReplayJob, options: Pick<RunReplayOptions, 'webhooks'>): Promise<CompiledFilter> {
  if (!options.webhooks) throw new ReplayFailure('this hub process does not deliver webhooks');
  try {
    return compileJobFilter((await options.webhooks.get(job.tenantId, job.endpointId!)).filter);
  } catch (error) {
    if (isHubError(error) && error.code === 'NOT_FOUND')
      throw new ReplayFailure(`webhook endpoint "${job.endpointId}" was deleted`);
    throw error;
  }
}

/**
 * What the job reads after `after`: its events up to the head it fixed when it
 * began. That head was safe then, so it is safe now: the range reaches it
 * even if the store's own look at its head lags.
 */
const jobRange = (job: ReplayJob, after: number) => ({ after, through: job.until!, upTo: job.until! });

/** Counts the matching events up to `until` and keeps the first few ids; null when stopped meanwhile. */
async function count(job: ReplayJob, filter: CompiledFilter, options: RunReplayOptions) {
  const counted = await options.store.countRange(job.tenantId, {
    after: 0,
    through: job.until!,
    filter,
    sample: SAMPLE_SIZE,
  });
  return options.signal.aborted ? null : counted;
}

/** Processes a chunk in order; the job state after it, to be saved. */
async function processChunk(job: ReplayJob, chunk: readonly HubEvent[], options: RunReplayOptions): Promise<ReplayJob> {
  if (job.target === ReplayTarget.SHADOW) {
    const shadow = await runShadowOnChunk(
      job,
      chunk,
      options.handlers,
      { ...options, maxDifferences: options.maxDifferences ?? 10_000 },
      options.signal,
    );
    return { ...counted(job, chunk, shadow.outcome), differences: (job.differences ?? 0) + shadow.differences };
  }
  const outcome =
    job.target === ReplayTarget.REPUBLISH
      ? await republishChunk(job, chunk, options, options.signal)
      : job.target === ReplayTarget.ENDPOINT
        ? await requeueChunk(job, chunk, options)
        : await runHandlersOnChunk(job, chunk, options.handlers, options, options.signal);
  return counted(job, chunk, outcome);
}

/** The job's counts, checkpoint and sample after the part of `chunk` that `outcome` covers. */
function counted(job: ReplayJob, chunk: readonly HubEvent[], outcome: ChunkOutcome): ReplayJob {
  const ok = outcome.filter(Boolean).length;
  // A stopped HANDLERS run ends after the event in hand: the checkpoint is the last event it got to.
  const checkpoint = outcome.length ? chunk[outcome.length - 1]!.position : job.checkpoint;
  const sample =
    job.sample.length < SAMPLE_SIZE
      ? [...job.sample, ...chunk.slice(0, outcome.length).map((event) => event.id)].slice(0, SAMPLE_SIZE)
      : job.sample;
  return { ...job, processed: job.processed + ok, failed: job.failed + outcome.length - ok, checkpoint, sample };
}
