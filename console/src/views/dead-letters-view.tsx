import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api/graphql.ts';
import { DEAD_LETTERS, REDRIVE } from '../api/queries.ts';
import type { Connection, DeadLetter } from '../api/types.ts';
import { eventHref } from '../route.ts';
import { useSession } from '../session-context.ts';
import { useRequest } from '../use-request.ts';

/** How often the list is read again while open: a redriven letter leaves it once handled. */
const REFRESH_MS = 2000;

/** Events handlers gave up on, with their error; redrive one or a selection (scope replay). */
export function DeadLettersView() {
  const { request } = useSession();
  const list = useRequest<{ deadLetters: Connection<DeadLetter> }>(DEAD_LETTERS, {}, 'dead-letters');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    const timer = setInterval(list.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const letters = list.data?.deadLetters.edges.map((e) => e.node) ?? [];
  async function redrive(ids: string[]) {
    try {
      const { redriveDeadLetters } = await request<{ redriveDeadLetters: number }>(REDRIVE, { ids });
      setMessage(`${redriveDeadLetters} dead letter${redriveDeadLetters === 1 ? '' : 's'} queued for redrive.`);
      setSelected(new Set());
      list.reload();
    } catch (error) {
      setMessage(describeError(error));
    }
  }
  const toggle = (id: string) =>
    setSelected((now) => (now.has(id) ? new Set([...now].filter((x) => x !== id)) : new Set([...now, id])));
  return (
    <section aria-labelledby="dead-title">
      <h1 id="dead-title">Dead letters</h1>
      <div class="actions">
        <button type="button" disabled={!selected.size} onClick={() => redrive([...selected])}>
          Redrive selected ({selected.size})
        </button>
        <button type="button" class="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      {list.error && (
        <p role="alert" class="error">
          {list.error}
        </p>
      )}
      {list.data && !letters.length && <p class="empty">No dead letters.</p>}
      {letters.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Dead letters, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Select</th>
                <th scope="col">Handler</th>
                <th scope="col">Event</th>
                <th scope="col">Error</th>
                <th scope="col">Attempts</th>
                <th scope="col">Dead since</th>
                <th scope="col">Redrive</th>
              </tr>
            </thead>
            <tbody>
              {letters.map((letter) => (
                <tr key={letter.id} data-dead-letter={letter.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${letter.event.type} for ${letter.handler}`}
                      checked={selected.has(letter.id)}
                      onChange={() => toggle(letter.id)}
                    />
                  </td>
                  <td>{letter.handler}</td>
                  <td>
                    <a href={eventHref(letter.event.id)}>{letter.event.type}</a>
                  </td>
                  <td>
                    {letter.error.code}: {letter.error.message}
                  </td>
                  <td class="num">{letter.error.attempts}</td>
                  <td>{letter.deadAt.replace('T', ' ').replace('Z', '')}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Redrive ${letter.event.type} for ${letter.handler}`}
                      onClick={() => redrive([letter.id])}
                    >
                      Redrive
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
