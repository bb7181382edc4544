import type { ServerResponse } from 'node:http';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { toEventJson } from '../../events/event-json.ts';
import { isHubError } from '../../errors.ts';
import { encodePosition } from '../../events/position.ts';
import type { EventRange } from '../../store/event-store.ts';

/** Bytes of lines held between the store and the socket before the read waits for the client. */
const HIGH_WATER_BYTES = 64 * 1024;

export interface NdjsonExportOptions {
  range: EventRange;
  /** Where the range starts: the trailer's position when no event is written. */
  after: number;
  gzip: boolean;
  /** Aborted when the hub shuts down: the export stops where it is and the response is cut. */
  signal: AbortSignal;
}

/**
 * Streams the range as NDJSON, one event per line in the GraphQL `Event` shape, then the trailer
 * `{"next":"<position>"}` with the last position written. The store is read a page at a time and
 * only as fast as the client takes the lines (pipeline waits for 'drain' at every step), so memory
 * does not grow with the range. A client that disconnects, or the hub's shutdown, destroys the
 * pipeline: the line generator is returned and releases the store's cursor; the response is cut
 * without a trailer, which tells the client to resume `after` its last complete line. A coded
 * failure once lines flow (a damaged cold segment further on) ends the export with an error line
 * `{"error":{"code":…,"message":…,"next":"<last position written>",…}}` in place of the trailer.
 */
export async function streamNdjson(
  res: ServerResponse,
  { range, after, gzip, signal }: NdjsonExportOptions,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    vary: 'accept-encoding',
    ...(gzip && { 'content-encoding': 'gzip' }),
  });
  const source = Readable.from(lines(range, after), { objectMode: false, highWaterMark: HIGH_WATER_BYTES });
  const stages: (Readable | Transform | ServerResponse)[] = [source, ...(gzip ? [createGzip()] : []), res];
  try {
    await pipeline(stages, { signal });
  } finally {
    if (!res.writableFinished) res.destroy();
  }
}

async function* lines({ pages }: EventRange, after: number): AsyncGenerator<string> {
  let last = after;
  try {
    // Leaving this loop early (the stream destroyed) calls pages.return(), closing the cursor.
    for await (const page of pages) {
      let chunk = '';
      for (const event of page) chunk += `${JSON.stringify(toEventJson(event))}\n`;
      last = page.at(-1)?.position ?? last;
      yield chunk;
    }
  } catch (error) {
    if (!isHubError(error)) throw error;
    const { code, message, extensions } = error;
    yield `${JSON.stringify({ error: { ...extensions, code, message, next: encodePosition(last) } })}\n`;
    return;
  }
  yield `${JSON.stringify({ next: encodePosition(last) })}\n`;
}
