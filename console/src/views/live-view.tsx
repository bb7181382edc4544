import { useEffect, useState } from 'preact/hooks';
import { EventTable } from '../components/event-table.tsx';
import { FilterFields } from '../components/filter-form.tsx';
import { emptyFilter, toEventFilter } from '../filter-model.ts';
import { useLiveEvents } from '../use-live-events.ts';

/** Rows kept on the page; the rate and the count say how many went by. */
const MAX_ROWS = 200;

/** Events as they are published, under a pattern filter; pause and resume without a gap. */
export function LiveView() {
  const [form, setForm] = useState(emptyFilter);
  const live = useLiveEvents(MAX_ROWS);
  useEffect(() => live.start({}), []);
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live</h1>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          live.start(toEventFilter(form));
        }}
      >
        <FilterFields value={form} onChange={setForm} idPrefix="live" patternOnly />
        <div class="actions">
          <button type="submit">Apply filter</button>
          {live.status === 'live' && (
            <button type="button" class="secondary" onClick={live.pause}>
              Pause
            </button>
          )}
          {(live.status === 'paused' || live.status === 'failed') && (
            <button type="button" onClick={live.resume}>
              Resume
            </button>
          )}
        </div>
      </form>
      <p class="status-line">
        <span class={`badge ${live.status}`} data-testid="live-status">
          {live.status === 'live'
            ? 'Live'
            : live.status === 'paused'
              ? 'Paused'
              : live.status === 'failed'
                ? 'Stopped'
                : 'Idle'}
        </span>
        <output aria-label="Rate" data-testid="live-rate">
          {live.rate} events/s
        </output>
        <span>
          {live.received} received{live.received > MAX_ROWS ? `, newest ${MAX_ROWS} shown` : ''}
        </span>
      </p>
      {live.error && (
        <p role="alert" class="error">
          {live.error}
        </p>
      )}
      <EventTable events={live.rows} caption="Live events, newest first" empty="Waiting for events…" />
    </section>
  );
}
