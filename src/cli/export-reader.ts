import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CliError } from './cli-error.ts';
import { authHeaders, baseUrl, unreachable, type HubTarget } from './hub-client.ts';

export interface ExportPart {
  /** Event lines written. */
  events: number;
  /** The last event's position, or the `after` it started from. */
  last: string;
  /** The trailer's position: set only when the hub finished the export. */
  next: string | null;
  /** The hub's error line, when it ended the export with one instead of the trailer (a damaged cold segment). */
  error: CliError | null;
}

/** The position at the end of an export line (the Event shape puts `position` last). */
const POSITION_AT_END = /"position":"(\d+)"\}$/;

/**
 * One `GET /export` request: its event lines go to `out` as they arrive (waiting for 'drain'),
 * the trailer is kept, not written. A cut (the connection drops, the hub shuts down) ends the
 * part without `next`; the caller resumes after `last`. A refusal is a CliError with the code of
 * the hub's problem document.
 */
export async function exportPart(
  target: HubTarget,
  params: URLSearchParams,
  out: Writable,
  onLine: (events: number) => void,
): Promise<ExportPart> {
  const part: ExportPart = { events: 0, last: params.get('after') ?? '0', next: null, error: null };
  let response: Response;
  try {
    // fetch asks for gzip and inflates it
    response = await fetch(`${baseUrl(target.url)}/export?${params}`, { headers: authHeaders(target) });
  } catch (error) {
    throw unreachable(target, error);
  }
  if (!response.ok) throw await refusal(response);
  let pending = '';
  const decoder = new TextDecoder();
  try {
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      const lines = (pending + decoder.decode(bytes, { stream: true })).split('\n');
      pending = lines.pop()!;
      for (const line of lines) await take(line);
    }
  } catch {
    return part; // cut: what arrived in whole lines stands
  }
  return part;

  async function take(line: string): Promise<void> {
    if (!line) return;
    if (line.startsWith('{"next":')) {
      part.next = (JSON.parse(line) as { next: string }).next;
      return;
    }
    if (line.startsWith('{"error":')) {
      part.error = errorLine(line);
      return;
    }
    part.last = POSITION_AT_END.exec(line)?.[1] ?? String((JSON.parse(line) as { position: string }).position);
    part.events += 1;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
    onLine(part.events);
  }
}

/** The hub's error line (`{"error":{"code","message","next",…}}`) as a CliError with its code and members. */
function errorLine(line: string): CliError {
  const {
    code = 'ERROR',
    message = 'the hub ended the export',
    ...details
  } = (JSON.parse(line) as { error: { code?: string; message?: string } & Record<string, unknown> }).error;
  return new CliError(`${code}: ${message}`, { code, details });
}

async function refusal(response: Response): Promise<CliError> {
  const problem = (await response.json().catch(() => null)) as {
    code?: string;
    detail?: string;
    path?: string[];
  } | null;
  const code = problem?.code ?? `HTTP_${response.status}`;
  const where = problem?.path?.length ? ` (at ${problem.path.join('.')})` : '';
  return new CliError(`${code}: ${problem?.detail ?? `the hub answered HTTP ${response.status}`}${where}`, {
    code,
    details: { status: response.status },
  });
}
