import { postGraphql, subscribe } from '../support/graphql.ts';
import { BENCH_KEY } from '../cluster-support/workload.ts';
import { CANCEL_REPLAY, REPLAY_INPUT, START_REPLAY, WATCH_REPLAY } from './workload.ts';

export interface ReplayResult {
  jobId: string;
  status: string;
  total: number | null;
  processed: number;
  failed: number;
  /** From sending `startReplay` to the final status arriving on `Subscription.replayJob`. */
  seconds: number;
}

interface JobView {
  id: string;
  status: string;
  total: number | null;
  processed: number;
  failed: number;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export interface RunningReplay {
  jobId: string;
  /** Resolves with the job's final state. */
  finished: Promise<ReplayResult>;
  /** Asks the hub to cancel it (`cancelReplay`); `finished` then resolves CANCELLED. */
  cancel(): Promise<void>;
}

/** Starts the HANDLERS replay to the no-op handler and follows it on `Subscription.replayJob` until it is final. */
export async function startReplay(url: string): Promise<RunningReplay> {
  const started = performance.now();
  const { startReplay: job } = await postGraphql<{ startReplay: { id: string } }>(url, BENCH_KEY, {
    query: START_REPLAY,
    variables: { input: REPLAY_INPUT },
  });
  let last: JobView | null = null;
  let done: ((view: JobView) => void) | null = null;
  const final = new Promise<JobView>((resolve) => (done = resolve));
  const watch = subscribe<{ replayJob: JobView }>(url, BENCH_KEY, WATCH_REPLAY, { id: job.id }, (data) => {
    last = data.replayJob;
    if (FINAL.has(last.status)) done?.(last);
  });
  const finished = Promise.race([
    final,
    watch.ended.then(() => last ?? Promise.reject(new Error(`the watch of job ${job.id} ended without a state`))),
  ]).then(async (view): Promise<ReplayResult> => {
    const seconds = (performance.now() - started) / 1000;
    await watch.close();
    if (!FINAL.has(view.status)) throw new Error(`the watch of job ${job.id} ended at ${view.status}`);
    return {
      jobId: view.id,
      status: view.status,
      total: view.total,
      processed: view.processed,
      failed: view.failed,
      seconds,
    };
  });
  return {
    jobId: job.id,
    finished,
    async cancel() {
      await postGraphql(url, BENCH_KEY, { query: CANCEL_REPLAY, variables: { id: job.id } });
    },
  };
}
