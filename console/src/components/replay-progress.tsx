import { useState } from 'preact/hooks';
import { describeError } from '../api/graphql.ts';
import { CANCEL_REPLAY } from '../api/queries.ts';
import type { ReplayJob } from '../api/types.ts';
import { useReplayJob } from '../use-replay-job.ts';
import { useSession } from '../session-context.ts';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** A running replay, live: status, a progress bar, counts, and Cancel until it ends. */
export function ReplayProgress({ initial }: { initial: ReplayJob }) {
  const { request } = useSession();
  const { job, error } = useReplayJob(initial);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const percent = Math.round(job.progress * 100);
  async function cancel() {
    try {
      await request(CANCEL_REPLAY, { id: job.id });
    } catch (failure) {
      setCancelError(describeError(failure));
    }
  }
  return (
    <section class="panel" aria-labelledby={`job-${job.id}`} data-testid="replay-progress">
      <h2 id={`job-${job.id}`}>
        Replay {job.target}{' '}
        <small>
          <code>{job.id}</code>
        </small>
      </h2>
      <p>
        Status:{' '}
        <span class={`badge ${job.status.toLowerCase()}`} data-testid="replay-status">
          {job.status}
        </span>
        {job.cancelRequested && !FINAL.has(job.status) && ' (cancelling)'}
      </p>
      <label for={`progress-${job.id}`}>Progress</label>
      <progress id={`progress-${job.id}`} max={1} value={job.progress}>
        {percent}%
      </progress>
      <output for={`progress-${job.id}`} data-testid="replay-percent">
        {percent}%
      </output>
      <p data-testid="replay-counts">
        {job.processed} processed, {job.failed} failed{job.total !== null ? ` of ${job.total}` : ''}
      </p>
      {job.error && (
        <p role="alert" class="error">
          {job.error}
        </p>
      )}
      {(error || cancelError) && (
        <p role="alert" class="error">
          {error ?? cancelError}
        </p>
      )}
      {!FINAL.has(job.status) && (
        <button type="button" class="secondary" onClick={cancel} disabled={job.cancelRequested}>
          Cancel replay
        </button>
      )}
    </section>
  );
}
