import { createHash } from 'node:crypto';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { CatalogType, EventCatalog } from '../catalog/event-catalog.ts';
import { Scope } from '../config.ts';
import type { Authenticator } from '../server/auth.ts';
import type { HttpRoute } from './http-route.ts';
import { problem, sendProblem } from './problem.ts';
import { principalFor } from './request-principal.ts';

export interface CatalogDoorOptions {
  catalog: EventCatalog;
  auth: Authenticator;
  audit: AuditTrail;
}

/**
 * `GET /catalog` (scope query): the event types the hub accepts, as GraphQL's
 * `eventTypes` lists them, `{ "eventTypes": [{ name, description, versions:
 * [{ version, schema, example }] }] }`. The catalog is the same for every
 * tenant. The body is made once per catalog change, and carries an ETag so
 * an integrator polling for changes gets 304 while nothing changed.
 */
export function createCatalogDoor({ catalog, auth, audit }: CatalogDoorOptions): HttpRoute {
  let made: { listing: readonly CatalogType[]; body: string; etag: string } | undefined;
  const current = () => {
    const listing = catalog.list();
    if (made?.listing !== listing) {
      const body = JSON.stringify({ eventTypes: listing });
      made = { listing, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    return made;
  };

  return {
    name: 'GET /catalog',
    matches: (pathname) => pathname === '/catalog',
    async handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return sendProblem(res, problem(405, 'METHOD_NOT_ALLOWED', '/catalog answers GET only'));
      }
      await principalFor(req, Scope.QUERY, 'GET /catalog', { auth, audit });
      const { body, etag } = current();
      const headers = { etag, 'cache-control': 'no-cache' };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}
