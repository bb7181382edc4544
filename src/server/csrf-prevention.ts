import type { Plugin } from 'graphql-yoga';
import { ErrorCode, HubError } from '../errors.ts';

/** The header a browser page must set on a request it could otherwise send without a preflight. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Bodies an HTML form can send: never GraphQL here, so refused whatever else the request carries. */
const FORM_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Cross-site request forgery, closed in two steps before Yoga parses anything:
 *
 * - form bodies (`application/x-www-form-urlencoded`, `multipart/form-data`) are refused with 415:
 *   a page on any site can post them without asking (no CORS preflight), and Yoga would otherwise
 *   run the operation in them, mutations included;
 * - any other request a browser sends without a preflight (GET, `text/plain`, no content type)
 *   needs the CSRF_HEADER, which a page can only set after a preflight the CORS policy refuses.
 *   JSON POSTs (`application/json`, `application/graphql-response+json`) always preflight and so
 *   pass as they are. This is what graphql-yoga's `useCSRFPrevention` plugin does; that package
 *   is not among the hub's dependencies, so the dozen lines live here.
 *
 * Yoga itself refuses mutations over GET (405), so a GET can only read.
 */
export function csrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const contentType = request.headers.get('content-type')?.toLowerCase() ?? '';
      if (FORM_CONTENT_TYPES.some((type) => contentType.startsWith(type))) {
        throw refused(415, ErrorCode.BAD_USER_INPUT, `form bodies (${contentType.split(';')[0]}) are not accepted; send JSON (content-type: application/json)`);
      }
      if (preflighted(contentType) || request.headers.has(CSRF_HEADER)) return;
      throw refused(403, ErrorCode.FORBIDDEN, `a request without a JSON body needs the "${CSRF_HEADER}" header (any value), which keeps other web pages from sending it`);
    },
  };
}

/** A content type browsers send only after a CORS preflight. */
const preflighted = (contentType: string): boolean => contentType !== '' && !contentType.startsWith('text/plain');

function refused(status: number, code: ErrorCode, message: string): HubError {
  return new HubError(code, message, { extensions: { http: { status } } });
}
