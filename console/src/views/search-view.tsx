import { useState } from 'preact/hooks';
import { SEARCH } from '../api/queries.ts';
import type { Connection, EventSummary } from '../api/types.ts';
import { EventTable } from '../components/event-table.tsx';
import { FilterFields } from '../components/filter-form.tsx';
import { Pager } from '../components/pager.tsx';
import { StatsPanel } from '../components/stats-panel.tsx';
import { emptyFilter, toEventFilter } from '../filter-model.ts';
import { useRequest } from '../use-request.ts';

const PAGE_SIZE = 25;

/** The archive: the EventFilter as a form, pages of results (newest first) and counts. */
export function SearchView() {
  const [form, setForm] = useState(emptyFilter);
  const [filter, setFilter] = useState<Record<string, unknown> | null>(null);
  /** The `after` cursor of each page so far: [undefined, cursor of page 1, …]. */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const after = cursors.at(-1);
  const result = useRequest<{ events: Connection<EventSummary> }>(
    SEARCH,
    filter && { filter, first: PAGE_SIZE, ...(after && { after }) },
    `${JSON.stringify(filter)}|${after ?? ''}`,
  );
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([undefined]);
          setFilter(toEventFilter(form));
        }}
      >
        <FilterFields value={form} onChange={setForm} idPrefix="search" />
        <div class="actions">
          <button type="submit">Search</button>
        </div>
      </form>
      {result.error && (
        <p role="alert" class="error">
          {result.error}
        </p>
      )}
      {filter && result.data && (
        <>
          <section aria-labelledby="results-title">
            <h2 id="results-title">Results</h2>
            <EventTable
              events={result.data.events.edges.map((e) => e.node)}
              caption="Matching events, newest first"
              empty="No matching events."
            />
            <Pager
              label="Result pages"
              page={cursors.length - 1}
              hasNext={result.data.events.pageInfo.hasNextPage}
              onPrevious={() => setCursors(cursors.slice(0, -1))}
              onNext={() => setCursors([...cursors, result.data!.events.pageInfo.endCursor ?? undefined])}
            />
          </section>
          <StatsPanel filter={filter} />
        </>
      )}
    </section>
  );
}
