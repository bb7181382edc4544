import { HANDLERS } from '../api/queries.ts';
import type { HandlerStatus } from '../api/types.ts';
import { useRequest } from '../use-request.ts';

/** Each handler's progress in your tenant: lag, processed, failed. */
export function HandlersView() {
  const result = useRequest<{ handlers: HandlerStatus[] }>(HANDLERS, {}, 'handlers');
  return (
    <section aria-labelledby="handlers-title">
      <h1 id="handlers-title">Handlers</h1>
      <div class="actions">
        <button type="button" class="secondary" onClick={result.reload}>
          Refresh
        </button>
      </div>
      {result.error && (
        <p role="alert" class="error">
          {result.error}
        </p>
      )}
      {result.data && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Handlers</caption>
            <thead>
              <tr>
                <th scope="col">Handler</th>
                <th scope="col">Event types</th>
                <th scope="col">Priority</th>
                <th scope="col">Lag</th>
                <th scope="col">Processed</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {result.data.handlers.map((h) => (
                <tr key={h.name}>
                  <td>{h.name}</td>
                  <td>{h.eventTypes.join(', ')}</td>
                  <td class="num">{h.priority}</td>
                  <td class="num">{h.lag}</td>
                  <td class="num">{h.processed}</td>
                  <td class={`num${h.failed ? ' warn' : ''}`}>{h.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
