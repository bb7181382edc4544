import type { FilterPreview } from '../api/types.ts';
import { EventTable } from './event-table.tsx';

/** What a filter selects before a replay runs on it: the count (capped at HUB_PREVIEW_LIMIT) and the first events. */
export function PreviewPanel({ preview }: { preview: FilterPreview }) {
  return (
    <section class="panel" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <p data-testid="preview-count">
        {preview.capped ? `More than ${preview.count}` : preview.count} matching event
        {preview.count === 1 && !preview.capped ? '' : 's'}
      </p>
      <EventTable events={preview.samples} caption="The first matching events" empty="Nothing to replay." />
    </section>
  );
}
