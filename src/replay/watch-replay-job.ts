import { setTimeout as sleep } from 'node:timers/promises';
import { isFinal, type ReplayJob } from './replay-job.ts';

/**
 * The job each time it changes, starting with how it stands now, until it
 * is final (that state included); `read` returns null for a job the caller
 * may not see, and then the stream throws `notFound()`.
 *
 * Polls, because the job's runner may be any process. Not an async
 * generator: one suspended in its sleep could not run `return()` until the
 * sleep ended, so an unsubscribe would linger; here `return()` ends the
 * sleep at once.
 */
export function watchReplayJob(
  read: () => Promise<ReplayJob | null>,
  notFound: () => Error,
  intervalMs: number,
): AsyncIterableIterator<ReplayJob> {
  const stop = new AbortController();
  let last: string | null = null;
  let ended = false;
  const done = (): IteratorResult<ReplayJob> => ({ done: true, value: undefined });

  return {
    async next() {
      while (!ended) {
        const job = await read();
        if (!job) {
          ended = true;
          throw notFound();
        }
        if (isFinal(job.status)) ended = true;
        const seen = JSON.stringify(job);
        if (seen !== last) {
          last = seen;
          return { done: false, value: job };
        }
        await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => {});
        if (stop.signal.aborted) break;
      }
      return done();
    },
    async return() {
      ended = true;
      stop.abort();
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
