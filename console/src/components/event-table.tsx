import type { EventSummary } from '../api/types.ts';
import { eventHref } from '../route.ts';

/** Events as rows; each type links to its Event view. */
export function EventTable({
  events,
  caption,
  empty = 'No events.',
}: {
  events: readonly EventSummary[];
  caption: string;
  empty?: string;
}) {
  if (!events.length) return <p class="empty">{empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Position</th>
            <th scope="col">Type</th>
            <th scope="col">Subject</th>
            <th scope="col">Source</th>
            <th scope="col">Time (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <EventRow key={event.id} event={event} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventRow({ event }: { event: EventSummary }) {
  return (
    <tr data-event-id={event.id}>
      <td class="num">{event.position}</td>
      <td>
        <a href={eventHref(event.id)}>{event.type}</a>
      </td>
      <td>{event.subject ?? ''}</td>
      <td>
        {event.source.type}:{event.source.id}
      </td>
      <td>
        <time dateTime={event.timestamp}>{event.timestamp.replace('T', ' ').replace('Z', '')}</time>
      </td>
    </tr>
  );
}
