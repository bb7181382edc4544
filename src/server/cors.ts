import type { CORSOptions, Plugin } from 'graphql-yoga';
import { CSRF_HEADER } from './csrf-prevention.ts';

/** What a browser page of an allowed origin may send: its key, JSON, trace context and a request id. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'traceparent', 'tracestate', 'x-request-id', CSRF_HEADER];

/**
 * Yoga's `cors` option from HUB_ALLOWED_ORIGINS. Left to itself Yoga reflects any `Origin` with
 * `allow-credentials: true`, so every web page could read the hub's answers. Here an allowed origin
 * gets itself back (never `*`), without credentials (the hub reads keys from `Authorization`,
 * never from cookies); any other origin, and every origin when the list is empty, gets no CORS
 * header at all, so the browser keeps the answer from the page.
 */
export function corsFor(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return { origin, credentials: false, allowedHeaders: ALLOWED_HEADERS, methods: ['GET', 'POST'], maxAge: 600 };
  };
}

/**
 * `Vary: Origin` on every answer when the answer depends on the origin (a non-empty list), so a
 * cache never hands one origin's CORS headers, or their absence, to another.
 */
export function varyOnOrigin(allowedOrigins: readonly string[]): Plugin {
  if (allowedOrigins.length === 0) return {};
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (
        !vary
          ?.toLowerCase()
          .split(/\s*,\s*/)
          .includes('origin')
      )
        response.headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
    },
  };
}

/**
 * Whether a websocket upgrade may go on. Browsers do not apply CORS to websockets, so this check is
 * all that keeps another site's page from opening one: from the hub's own origin (GraphiQL) or an
 * allowed one, yes; from any other origin, no. Without an `Origin` (not a browser) only while no
 * origins are configured, as before.
 */
export function websocketOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (origin === undefined) return allowedOrigins.length === 0;
  return allowedOrigins.includes(origin) || sameOrigin(origin, host);
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
