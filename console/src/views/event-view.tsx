import { CORRELATION, EVENT } from '../api/queries.ts';
import type { Connection, EventDetail, EventSummary } from '../api/types.ts';
import { CausationTree } from '../components/causation-tree.tsx';
import { JsonView } from '../components/json-view.tsx';
import { ProcessingList } from '../components/processing-list.tsx';
import { RepublishButton } from '../components/republish-button.tsx';
import { useRequest } from '../use-request.ts';

type Correlated = EventSummary & { metadata: { causationId: string | null } };

/** One event: payload and metadata, causes and effects, what handlers did with it, republish. */
export function EventView({ id }: { id: string }) {
  const result = useRequest<{ event: EventDetail | null }>(EVENT, { id }, id);
  const event = result.data?.event;
  // A follow-up carries its cause's correlation id, or the cause's id when it had none.
  const correlationId = event ? (event.metadata.correlationId ?? event.metadata.causationId ?? event.id) : null;
  const correlation = useRequest<{ correlation: Connection<Correlated> }>(
    CORRELATION,
    correlationId ? { id: correlationId } : null,
    correlationId ?? '',
  );
  if (result.error)
    return (
      <p role="alert" class="error">
        {result.error}
      </p>
    );
  if (result.loading && !event) return <p>Loading…</p>;
  if (!event) return <p role="alert">No event {id} in your tenant.</p>;
  const listed = correlation.data?.correlation.edges.map((e) => e.node) ?? [];
  // An event without a correlation id of its own heads its follow-ups' correlation: show it there too.
  const correlated = listed.some((e) => e.id === event.id)
    ? listed
    : [{ ...event, metadata: { causationId: event.metadata.causationId } }, ...listed];
  return (
    <article aria-labelledby="event-title">
      <h1 id="event-title">{event.type}</h1>
      <dl class="pairs">
        <dt>Id</dt>
        <dd>
          <code>{event.id}</code>
        </dd>
        <dt>Position</dt>
        <dd>{event.position}</dd>
        <dt>Source</dt>
        <dd>
          {event.source.type}:{event.source.id}
        </dd>
        <dt>Subject</dt>
        <dd>{event.subject ?? '—'}</dd>
        <dt>Time</dt>
        <dd>
          {event.timestamp} (received {event.receivedAt})
        </dd>
        <dt>Version</dt>
        <dd>{event.version}</dd>
      </dl>
      <RepublishButton event={event} />
      <div class="columns">
        <section class="panel" aria-labelledby="payload-title">
          <h2 id="payload-title">Payload</h2>
          <JsonView value={event.payload} label="Payload" />
          <h2>Metadata</h2>
          <JsonView
            value={Object.fromEntries(Object.entries(event.metadata).filter(([, value]) => value !== null))}
            label="Metadata"
          />
        </section>
        <section class="panel" aria-labelledby="tree-title">
          <h2 id="tree-title">Causes and effects</h2>
          <CausationTree event={event} correlated={correlated} />
        </section>
      </div>
      <section class="panel" aria-labelledby="processing-title">
        <h2 id="processing-title">Handlers</h2>
        <ProcessingList outcomes={event.processing} />
      </section>
    </article>
  );
}
