import type { EventDetail, EventSummary } from '../api/types.ts';
import { eventHref } from '../route.ts';

type Correlated = EventSummary & { metadata: { causationId: string | null } };

const Link = ({ event, current }: { event: EventSummary; current?: boolean }) =>
  current ? (
    <strong aria-current="true">
      {event.type} <small>(this event)</small>
    </strong>
  ) : (
    <a href={eventHref(event.id)}>{event.type}</a>
  );

/** The event's cause and its effects, then every event of its correlation id as a tree of causes. */
export function CausationTree({ event, correlated }: { event: EventDetail; correlated: readonly Correlated[] }) {
  return (
    <div class="causation">
      <dl class="pairs">
        <dt>Caused by</dt>
        <dd data-testid="caused-by">{event.causedBy ? <Link event={event.causedBy} /> : 'nothing recorded'}</dd>
        <dt>Caused</dt>
        <dd data-testid="caused">
          {event.caused.edges.length ? (
            <ul>
              {event.caused.edges.map(({ node }) => (
                <li key={node.id}>
                  <Link event={node} /> <small>{node.position}</small>
                </li>
              ))}
            </ul>
          ) : (
            'no events yet'
          )}
          {event.caused.pageInfo.hasNextPage && <p class="hint">More than 50: search by causation id for the rest.</p>}
        </dd>
      </dl>
      <h3>Correlation</h3>
      <CorrelationTree events={correlated} current={event.id} />
    </div>
  );
}

function CorrelationTree({ events, current }: { events: readonly Correlated[]; current: string }) {
  const ids = new Set(events.map((e) => e.id));
  const children = new Map<string | null, Correlated[]>();
  for (const event of events) {
    const parent =
      event.metadata.causationId && ids.has(event.metadata.causationId) ? event.metadata.causationId : null;
    children.set(parent, [...(children.get(parent) ?? []), event]);
  }
  const branch = (parent: string | null, depth: number): preact.JSX.Element | null => {
    const list = children.get(parent);
    if (!list || depth > 32) return null;
    // Nested lists rather than role="tree": a tree promises arrow-key navigation; links in lists need none.
    return (
      <ul aria-label={depth === 0 ? 'Events of this correlation id' : undefined}>
        {list.map((event) => (
          <li key={event.id}>
            <Link event={event} current={event.id === current} /> <small>{event.position}</small>
            {branch(event.id, depth + 1)}
          </li>
        ))}
      </ul>
    );
  };
  return events.length ? branch(null, 0) : <p class="empty">No other events share its correlation id.</p>;
}
