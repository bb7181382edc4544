import { setTimeout as sleep } from 'node:timers/promises';
import { badInput, ErrorCode, HubError } from '../errors.ts';
import { isEventId } from '../events/ids.ts';
import { newReplayJob, type StartReplayInput } from './replay-input.ts';
import { isFinal, type ReplayJob } from './replay-job.ts';
import { createReplayRunner, type ReplayRunnerOptions } from './replay-runner.ts';
import type { DifferenceCursor, DifferencePage, ReplayJobPage } from './replay-store.ts';
import { watchReplayJob } from './watch-replay-job.ts';

export interface ReplayService {
  /** Validates and stores a PENDING job in the tenant (BAD_USER_INPUT otherwise); some process starts it at once. */
  create(tenantId: string, input: StartReplayInput): Promise<ReplayJob>;
  /** The tenant's job, or null (unknown id, or another tenant's). */
  get(tenantId: string, id: string): Promise<ReplayJob | null>;
  /** The tenant's jobs, newest first; `after` is a job id from the previous page. */
  list(tenantId: string, page: { first: number; after?: string }): Promise<ReplayJobPage>;
  /**
   * Asks to cancel the tenant's job and answers with it once it is final, or
   * after `cancelWaitMs` as it stands then (its runner stops within a
   * second; a PENDING job is CANCELLED at once). A final job is answered as
   * is. NOT_FOUND for an unknown id or another tenant's job.
   */
  cancel(tenantId: string, id: string): Promise<ReplayJob>;
  /** The job whenever it changes until it is final (Subscription.replayJob); the stream throws NOT_FOUND as `cancel` does. */
  watch(tenantId: string, id: string): AsyncIterableIterator<ReplayJob>;
  /**
   * A SHADOW job's differences in event order, `first` after the cursor `after` (from an earlier
   * page); NOT_FOUND for an unknown id or another tenant's job, BAD_USER_INPUT for a bad cursor.
   */
  differences(tenantId: string, id: string, page: { first: number; after?: string }): Promise<DifferencePage>;
  /** Starts running jobs (polling for them). */
  start(): void;
  /** Stops the jobs running here after the event in hand and releases their leases. */
  close(): Promise<void>;
}

export interface ReplayServiceOptions extends ReplayRunnerOptions {
  /** How often a watched job is read. Default 200 ms. */
  watchIntervalMs?: number;
  /** How long `cancel` waits for the job to be final. Default 1500 ms. */
  cancelWaitMs?: number;
}

const notFound = (id: string) => new HubError(ErrorCode.NOT_FOUND, `there is no replay job "${id}"`);

/** A difference's place as a `replayDiff` cursor: opaque to clients, base64url of `[position, handler]`. */
export const differenceCursor = ({ position, handler }: DifferenceCursor): string =>
  Buffer.from(JSON.stringify([position, handler])).toString('base64url');

function decodeCursor(cursor: string): DifferenceCursor {
  try {
    const [position, handler] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (Number.isSafeInteger(position) && typeof handler === 'string') return { position: position as number, handler };
  } catch {
    // not JSON: the same answer as a well-formed stranger
  }
  throw badInput('after is not a cursor from an earlier replayDiff page', ['after']);
}

/** Replay jobs (docs/ARCHITECTURE.md §13): what the GraphQL resolvers call, and the runner behind them. */
export function createReplayService(options: ReplayServiceOptions): ReplayService {
  const { replayStore } = options;
  const now = options.now ?? Date.now;
  const runner = createReplayRunner(options);
  const known = options.handlers.map(({ name, shadows }) => ({ name, shadows }));
  const get = async (tenantId: string, id: string) => (isEventId(id) ? replayStore.get(tenantId, id) : null);

  return {
    async create(tenantId, input) {
      const job = newReplayJob(tenantId, input, known, new Date(now()));
      // The tenant's endpoint, or NOT_FOUND, as every webhook call answers for another tenant's id.
      if (job.endpointId !== undefined) await options.webhooks?.get(tenantId, job.endpointId);
      await replayStore.create(job);
      runner.poke();
      return job;
    },
    get,
    list(tenantId, { first, after }) {
      if (after !== undefined && !isEventId(after))
        throw badInput('after is not a cursor from an earlier replayJobs page', ['after']);
      return replayStore.list(tenantId, { first, ...(after !== undefined && { after }) });
    },
    async cancel(tenantId, id) {
      if (!isEventId(id) || !(await replayStore.requestCancel(tenantId, id))) throw notFound(id);
      runner.cancelled(id);
      const deadline = now() + (options.cancelWaitMs ?? 1500);
      for (;;) {
        const job = await replayStore.get(tenantId, id);
        if (!job) throw notFound(id);
        if (isFinal(job.status) || now() >= deadline) return job;
        await sleep(50);
      }
    },
    async differences(tenantId, id, { first, after }) {
      const cursor = after === undefined ? undefined : decodeCursor(after);
      if (!(await get(tenantId, id))) throw notFound(id);
      return replayStore.differences(tenantId, id, { first, ...(cursor && { after: cursor }) });
    },
    watch: (tenantId, id) =>
      watchReplayJob(
        () => get(tenantId, id),
        () => notFound(id),
        options.watchIntervalMs ?? 200,
      ),
    start: () => runner.start(),
    close: () => runner.close(),
  };
}
