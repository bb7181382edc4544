import type { HandlerOutcome } from '../api/types.ts';
import { eventHref } from '../route.ts';

/** What each handler did with the event (`Event.processing`, the processing trail). */
export function ProcessingList({ outcomes }: { outcomes: readonly HandlerOutcome[] }) {
  if (!outcomes.length) return <p class="empty">No handler takes this event type.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Handler outcomes</caption>
        <thead>
          <tr>
            <th scope="col">Handler</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last run</th>
            <th scope="col">Follow-ups</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {outcomes.map((o) => (
            <tr key={o.handler}>
              <td>{o.handler}</td>
              <td>
                <span class={`badge ${o.status.toLowerCase()}`}>{o.status}</span>
              </td>
              <td class="num">{o.attempts}</td>
              <td>
                {o.lastAttemptAt
                  ? `${o.lastAttemptAt.replace('T', ' ').replace('Z', '')}${o.durationMs !== null ? ` (${o.durationMs} ms)` : ''}`
                  : '—'}
              </td>
              <td>
                {o.followUps.map((id, i) => (
                  <a key={id} href={eventHref(id)}>
                    {i ? ', ' : ''}
                    {id.slice(-8)}
                  </a>
                ))}
              </td>
              <td>{o.error ? `${o.error.code}: ${o.error.message}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
