import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { Scope } from '../../config.ts';
import { ErrorCode, isHubError } from '../../errors.ts';
import type { HubEvent } from '../../events/event.ts';
import { readTieredRange } from '../../cold/read-tiers.ts';
import type { Logger } from '../../logger.ts';
import type { Authenticator } from '../../server/auth.ts';
import type { HubServices } from '../../server/context.ts';
import type { EventRange } from '../../store/event-store.ts';
import type { HttpRoute } from '../http-route.ts';
import { problem, sendProblem } from '../problem.ts';
import { principalFor } from '../request-principal.ts';
import { parseExportRequest } from './export-request.ts';
import { streamNdjson } from './ndjson-export.ts';

/** Events per store page: one page's lines are what the export holds at a time. */
const PAGE_SIZE = 500;

export interface ExportDoorOptions {
  services: Pick<HubServices, 'store' | 'cold' | 'limits' | 'audit'>;
  auth: Authenticator;
  /** The GraphQL schema, whose `EventFilter` input reads the `filter` parameter. */
  schema: GraphQLSchema;
  /** Aborted when the hub starts shutting down: exports under way are cut, their cursors closed. */
  stopping: AbortSignal;
  log: Logger;
}

/**
 * `GET /export?filter=<EventFilter as JSON>&after=<position>&order=ASC` (scope query): the
 * caller's tenant's matching events after `after` up to the newest safe one when the request
 * began, as NDJSON (ndjson-export.ts), gzipped when the client accepts gzip; from the cold
 * segments too when the range reaches below the archive (read-tiers.ts). Everything that can be
 * refused (auth, parameters, filter, a cursor the store cannot serve, a damaged segment the first
 * page needs) is refused as a problem document before the first line.
 */
export function createExportDoor({ services, auth, schema, stopping, log }: ExportDoorOptions): HttpRoute {
  return {
    name: 'GET /export',
    matches: (pathname) => pathname === '/export',
    async handle(req, res) {
      if (req.method !== 'GET') {
        res.setHeader('allow', 'GET');
        return sendProblem(res, problem(405, 'METHOD_NOT_ALLOWED', '/export answers GET only'));
      }
      const { tenantId } = await principalFor(req, Scope.QUERY, 'GET /export', { auth, audit: services.audit });
      const { filter, after } = await parseExportRequest(
        new URL(req.url ?? '/', 'http://hub').searchParams,
        schema,
        services.limits,
      );
      const range = await readRange(res, () =>
        readTieredRange(services.store, services.cold, tenantId, { after, filter, batch: PAGE_SIZE }),
      );
      if (!range) return;
      await streamNdjson(res, { range, after, gzip: acceptsGzip(req), signal: stopping }).catch((error: unknown) =>
        cutShort(error, log),
      );
    },
  };
}

/**
 * The range with its first page already read, or null once a cursor the store cannot serve is
 * answered 410 (resume without `after`). Reading the first page here makes a failure there (a
 * damaged cold segment, say) a problem document rather than a 200 with an error line.
 */
async function readRange(res: ServerResponse, open: () => Promise<EventRange>): Promise<EventRange | null> {
  try {
    const range = await open();
    return { head: range.head, pages: primed(range.pages, await range.pages.next()) };
  } catch (error) {
    if (!isHubError(error) || error.code !== ErrorCode.CURSOR_EXPIRED) throw error;
    sendProblem(res, problem(410, ErrorCode.CURSOR_EXPIRED, error.message, { path: ['after'] }));
    return null;
  }
}

async function* primed(
  pages: AsyncIterableIterator<HubEvent[]>,
  first: IteratorResult<HubEvent[]>,
): AsyncGenerator<HubEvent[]> {
  if (first.done) return;
  yield first.value;
  // Returning this generator early returns `pages` too, which releases the store's cursor.
  yield* pages;
}

/** A client gone or the hub stopping cuts an export as intended; anything else is logged. */
function cutShort(error: unknown, log: Logger): void {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR') return;
  log.error({ err: error }, 'export cut short');
}

/** Whether `Accept-Encoding` lists gzip (or `*`) without `q=0`. */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const refused = params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(param));
    return (name === 'gzip' || name === '*') && !refused;
  });
}
