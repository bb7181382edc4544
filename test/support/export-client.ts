import { request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import type { Untyped } from './untyped.ts';

export interface ExportParams {
  filter?: unknown;
  after?: string;
  order?: string;
  [name: string]: unknown;
}

/** The URL of `GET /export` with the parameters as the door reads them (filter as JSON). */
export function exportUrl(url: string, params: ExportParams = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) search.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const query = search.toString();
  return `${url}/export${query ? `?${query}` : ''}`;
}

/** Opens an export; the caller reads (or pauses, or destroys) the response. */
export async function openExport(
  url: string,
  apiKey: string | undefined,
  params: ExportParams = {},
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  const req = request(exportUrl(url, params), {
    headers: { ...(apiKey && { authorization: `Bearer ${apiKey}` }), ...headers },
  });
  req.end();
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  return response;
}

export interface ExportResult {
  status: number;
  headers: IncomingMessage['headers'];
  /** The event lines, parsed (for a 200). */
  events: Untyped[];
  /** The last line when it is the trailer. */
  trailer: { next: string } | null;
  /** The last line when it is an error line (`{"error":{…}}`), which ends an export in place of the trailer. */
  errorLine: Record<string, unknown> | null;
  /** The body parsed as JSON, for a problem document. */
  problem: Untyped | null;
}

/** A whole export, read into memory: for small ones. */
export async function readExport(
  url: string,
  apiKey: string | undefined,
  params: ExportParams = {},
  { gzip = false } = {},
): Promise<ExportResult> {
  const response = await openExport(url, apiKey, params, gzip ? { 'accept-encoding': 'gzip' } : {});
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const body = (response.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  const status = response.statusCode ?? 0;
  if (status !== 200)
    return { status, headers: response.headers, events: [], trailer: null, errorLine: null, problem: JSON.parse(body) };
  const lines = body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Untyped);
  const last = lines.at(-1);
  const trailer = last && 'next' in last && !('id' in last) ? (lines.pop() as { next: string }) : null;
  const errorLine =
    last && 'error' in last && !('id' in last) ? (lines.pop()!['error'] as Record<string, unknown>) : null;
  return { status, headers: response.headers, events: lines, trailer, errorLine, problem: null };
}
