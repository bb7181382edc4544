import { useState } from 'preact/hooks';
import { describeError } from '../api/graphql.ts';
import { PREVIEW, START_REPLAY } from '../api/queries.ts';
import type { EventDetail, FilterPreview, ReplayJob } from '../api/types.ts';
import { useSession } from '../session-context.ts';

/**
 * The narrowest filter the API can express for one event. EventFilter has no id field, so the
 * event is pinned by type, source, subject, its millisecond and its ids; the preview then proves
 * it selects this event alone before anything is republished.
 */
export function singleEventFilter(event: EventDetail): Record<string, unknown> {
  const at = Date.parse(event.timestamp);
  const filter: Record<string, unknown> = {
    patterns: [{ kind: 'EXACT', value: event.type }],
    sourceTypes: [event.source.type],
    sourceId: event.source.id,
    from: new Date(at).toISOString(),
    to: new Date(at + 1).toISOString(),
  };
  if (event.subject) filter['subject'] = event.subject;
  if (event.metadata.correlationId) filter['correlationId'] = event.metadata.correlationId;
  if (event.metadata.causationId) filter['causationId'] = event.metadata.causationId;
  if (event.metadata.idempotencyKey)
    filter['where'] = [{ path: 'metadata.idempotencyKey', op: 'EQ', value: event.metadata.idempotencyKey }];
  return filter;
}

/** Republishes this one event with a REPUBLISH replay (scope replay), once a preview shows the filter selects it alone. */
export function RepublishButton({ event }: { event: EventDetail }) {
  const { request } = useSession();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function republish() {
    setBusy(true);
    try {
      const filter = singleEventFilter(event);
      const { previewFilter } = await request<{ previewFilter: FilterPreview }>(PREVIEW, { filter });
      if (previewFilter.count !== 1 || previewFilter.samples[0]?.id !== event.id) {
        setMessage(
          `Not republished: the API has no filter by event id, and the narrowest filter selects ${previewFilter.count} events. Use Replays to choose them.`,
        );
        return;
      }
      const { startReplay } = await request<{ startReplay: ReplayJob }>(START_REPLAY, {
        input: { target: 'REPUBLISH', filter },
      });
      setMessage(`Republish started: replay ${startReplay.id} (see Replays).`);
    } catch (error) {
      setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="republish">
      <button type="button" disabled={busy} onClick={republish}>
        Republish this event
      </button>
      {message && <p role="status">{message}</p>}
    </div>
  );
}
