import { useState } from 'preact/hooks';
import { describeError } from '../api/graphql.ts';
import { PREVIEW, REPLAY_JOBS, START_REPLAY } from '../api/queries.ts';
import type { Connection, FilterPreview, ReplayJob } from '../api/types.ts';
import { FilterFields } from '../components/filter-form.tsx';
import { PreviewPanel } from '../components/preview-panel.tsx';
import { ReplayProgress } from '../components/replay-progress.tsx';
import { emptyFilter, toEventFilter } from '../filter-model.ts';
import { useSession } from '../session-context.ts';
import { useRequest } from '../use-request.ts';

/** Preview a filter, then replay it to handlers or republish it, and watch the job. */
export function ReplaysView() {
  const { request } = useSession();
  const [form, setForm] = useState(emptyFilter);
  const [target, setTarget] = useState<'HANDLERS' | 'REPUBLISH'>('HANDLERS');
  const [handlers, setHandlers] = useState('');
  const [preview, setPreview] = useState<FilterPreview | null>(null);
  const [job, setJob] = useState<ReplayJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const jobs = useRequest<{ replayJobs: Connection<ReplayJob> }>(REPLAY_JOBS, {}, `jobs|${job?.id ?? ''}`);

  const attempt = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  const previewIt = () =>
    attempt(async () =>
      setPreview(
        (await request<{ previewFilter: FilterPreview }>(PREVIEW, { filter: toEventFilter(form) })).previewFilter,
      ),
    );
  const start = () =>
    attempt(async () => {
      const names = handlers.split(/[\s,]+/).filter(Boolean);
      const input = {
        target,
        filter: toEventFilter(form),
        ...(target === 'HANDLERS' && names.length && { handlers: names }),
      };
      setJob((await request<{ startReplay: ReplayJob }>(START_REPLAY, { input })).startReplay);
    });

  return (
    <section aria-labelledby="replays-title">
      <h1 id="replays-title">Replays</h1>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          previewIt();
        }}
      >
        <FilterFields
          value={form}
          onChange={(value) => {
            setForm(value);
            setPreview(null);
          }}
          idPrefix="replay"
        />
        <div class="field">
          <label for="replay-target">Target</label>
          <select
            id="replay-target"
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value as 'HANDLERS' | 'REPUBLISH')}
          >
            <option value="HANDLERS">HANDLERS: run handlers on the events again</option>
            <option value="REPUBLISH">REPUBLISH: publish each as a new event</option>
          </select>
        </div>
        {target === 'HANDLERS' && (
          <div class="field">
            <label for="replay-handlers">Handlers (empty: every matching one)</label>
            <input id="replay-handlers" value={handlers} onInput={(e) => setHandlers(e.currentTarget.value)} />
          </div>
        )}
        <div class="actions">
          <button type="submit">Preview</button>
          <button type="button" disabled={!preview} onClick={start}>
            Start replay
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {preview && <PreviewPanel preview={preview} />}
      {job && <ReplayProgress key={job.id} initial={job} />}
      <section class="panel" aria-labelledby="jobs-title">
        <h2 id="jobs-title">Recent jobs</h2>
        <button type="button" class="secondary" onClick={jobs.reload}>
          Refresh
        </button>
        <ul class="jobs">
          {jobs.data?.replayJobs.edges.map(({ node }) => (
            <li key={node.id}>
              <button type="button" class="link" onClick={() => setJob(node)}>
                {node.target}
                {node.dryRun ? ' (dry run)' : ''} {node.status}
              </button>{' '}
              <small>
                {node.createdAt.replace('T', ' ').replace('Z', '')} · {node.processed} processed, {node.failed} failed
              </small>
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}
