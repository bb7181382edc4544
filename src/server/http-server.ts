import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody, type HttpRoute } from '../doors/http-route.ts';
import { problem, problemOf, sendProblem } from '../doors/problem.ts';
import type { Logger } from '../logger.ts';
import type { HubYoga } from './yoga.ts';

export interface HttpServerOptions {
  yoga: HubYoga;
  /** Requests with a larger body are answered 413 before GraphQL sees them. */
  maxBodyBytes: number;
  /** Answers /readyz: resolves with the names of the dependencies that are down. */
  readiness: () => Promise<string[]>;
  /** Answers /metrics in the Prometheus text format. */
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Whether the `Authorization` of a /metrics request may read it (metrics-access.ts). */
  metricsAccess: (authorization: string | undefined) => Promise<200 | 401 | 403>;
  /** Why a request's `Host` is refused (host-check.ts), or null; /healthz and /readyz are not checked. */
  checkHost: (host: string | undefined) => string | null;
  /**
   * True once the hub is shutting down: /readyz answers 503, new GraphQL
   * requests on connections still open answer 503 UNAVAILABLE, and every
   * connection closes after its response (requests under way finish).
   */
  draining: () => boolean;
  /** The doors beside GraphQL (`/events`, `/export`, …), asked in order after the host check. */
  routes?: readonly HttpRoute[];
  log: Logger;
}

/** The HTTP front: health endpoints, a bounded body, then Yoga for /graphql. */
export function createHttpServer({
  yoga,
  maxBodyBytes,
  readiness,
  metrics,
  metricsAccess,
  checkHost,
  draining,
  routes = [],
  log,
}: HttpServerOptions): Server {
  const server = createServer((req, res) => {
    if (draining()) res.shouldKeepAlive = false;
    route(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  return server;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://hub');
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      if (draining()) return sendJson(res, 503, { status: 'shutting down', down: [] });
      const down = await readiness();
      return sendJson(res, down.length === 0 ? 200 : 503, {
        status: down.length === 0 ? 'ready' : 'unavailable',
        down,
      });
    }
    const misdirected = checkHost(req.headers.host);
    if (misdirected !== null) {
      log.warn({ host: req.headers.host?.slice(0, 200) }, 'request for another host refused');
      return sendJson(res, 421, { errors: [{ message: misdirected, extensions: { code: 'FORBIDDEN' } }] });
    }
    if (pathname === '/metrics') {
      const access = await metricsAccess(req.headers.authorization);
      if (access !== 200) return sendMetricsRefused(res, access);
      const { contentType, body } = await metrics();
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }
    const door = routes.find((candidate) => candidate.matches(pathname));
    if (door) return serveDoor(door, req, res, pathname, draining, log);
    if (pathname !== yoga.graphqlEndpoint) return sendJson(res, 404, { error: 'not found' });
    if (draining()) return sendShuttingDown(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const body = await readBody(req, maxBodyBytes);
      if (body === null) return sendPayloadTooLarge(res, maxBodyBytes);
      // @whatwg-node/server uses a pre-read `body` instead of the consumed stream
      (req as IncomingMessage & { body?: object }).body = bodyForYoga(req, body);
    }
    await yoga.requestListener(req, res);
  }
}

/**
 * A door's request: its errors, thrown or not, answered as problem documents; an unexpected one
 * logged and answered 500 without its cause.
 */
async function serveDoor(
  door: HttpRoute,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  draining: () => boolean,
  log: Logger,
): Promise<void> {
  if (draining()) {
    res.setHeader('retry-after', '1');
    return sendProblem(
      res,
      problem(503, 'UNAVAILABLE', 'the hub is shutting down; send the request again (another instance will take it)'),
    );
  }
  try {
    await door.handle(req, res, pathname);
  } catch (error) {
    const answer = problemOf(error);
    if (answer.status === 500) log.error({ err: error, door: door.name }, 'door request failed');
    if (!res.headersSent) sendProblem(res, answer);
    else res.destroy();
  }
}

/**
 * How a pre-read body reaches Yoga. @whatwg-node/server checks it with
 * `Object.keys(body).length`, which for a Buffer lists every byte: about 4 s
 * of blocked event loop for a 16 MB body. So a JSON object goes over parsed
 * (Yoga's JSON parser would produce the same object and takes it as is),
 * and anything else (other content types, invalid JSON, `{}`, arrays) as a
 * one-chunk stream that Yoga reads and judges exactly as it would the socket.
 */
function bodyForYoga(req: IncomingMessage, body: Buffer): object {
  if (req.method === 'POST' && isJsonContentType(req.headers['content-type'])) {
    const parsed = parseJsonObject(body);
    if (parsed !== null) return parsed;
  }
  return {
    body,
    async *[Symbol.asyncIterator]() {
      yield body;
    },
  };
}

/** The content types Yoga's POST JSON parser accepts (only the first of a list counts, as in Yoga). */
function isJsonContentType(header: string | undefined): boolean {
  const first = header?.split(',')[0];
  return first !== undefined && /^application\/(graphql\+)?json(;|$)/.test(first);
}

/** A non-empty plain JSON object, or null for anything Yoga should parse and judge itself. */
function parseJsonObject(body: Buffer): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return Object.keys(value).length > 0 ? (value as Record<string, unknown>) : null;
}

function sendPayloadTooLarge(res: ServerResponse, limit: number): void {
  res.setHeader('connection', 'close');
  sendJson(res, 413, {
    errors: [{ message: `request body exceeds ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit } }],
  });
}

/**
 * For the shutdown, once `server.close()` is called: closes each keep-alive
 * connection as soon as it is idle, so a request that arrived before the
 * shutdown finishes and then its connection closes, until the server is closed.
 */
export function closeConnectionsWhenIdle(server: Server): void {
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 20);
  server.once('close', () => clearInterval(sweep));
}

function sendMetricsRefused(res: ServerResponse, status: 401 | 403): void {
  if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="metrics"');
  const message =
    status === 401
      ? '/metrics needs HUB_METRICS_TOKEN or an admin API key as a bearer token'
      : 'this API key lacks the "admin" scope /metrics needs';
  sendJson(res, status, {
    errors: [{ message, extensions: { code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' } }],
  });
}

function sendShuttingDown(res: ServerResponse): void {
  res.setHeader('retry-after', '1');
  sendJson(res, 503, {
    errors: [
      {
        message: 'the hub is shutting down; send the request again (another instance will take it)',
        extensions: { code: 'UNAVAILABLE' },
      },
    ],
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
