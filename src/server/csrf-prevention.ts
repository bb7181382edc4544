import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode, HubError } from '../errors.ts';

/** The header a browser page must set on a request it could otherwise send without a preflight. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Bodies an HTML form can send: never GraphQL here, so refused whatever else the request carries. */
const FORM_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Cross-site request forgery, closed before Yoga parses anything, in two plugins:
 *
 * - form bodies (`application/x-www-form-urlencoded`, `multipart/form-data`) are refused with 415
 *   BAD_USER_INPUT: a page on any site can post them without asking (no CORS preflight), and Yoga
 *   would otherwise run the operation in them, mutations included;
 * - any other request a browser sends without a preflight (GET, `text/plain`, no content type)
 *   needs the CSRF_HEADER, which a page can only set after a preflight the CORS policy refuses:
 *   graphql-yoga's own `useCSRFPrevention` (403). JSON POSTs always preflight and pass as they are.
 *
 * Yoga itself refuses mutations over GET (405), so a GET can only read.
 */
export function csrfPrevention(): Plugin[] {
  const refuseForms: Plugin = {
    onRequestParse({ request }) {
      const contentType = request.headers.get('content-type')?.toLowerCase() ?? '';
      if (FORM_CONTENT_TYPES.some((type) => contentType.startsWith(type))) {
        throw new HubError(
          ErrorCode.BAD_USER_INPUT,
          `form bodies (${contentType.split(';')[0]}) are not accepted; send JSON (content-type: application/json)`,
          {
            extensions: { http: { status: 415 } },
          },
        );
      }
    },
  };
  return [refuseForms, withCode(useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }))];
}

/** The plugin's refusal carries no code; clients get FORBIDDEN with a message that says what to send. */
function withCode(plugin: Plugin): Plugin {
  const check = plugin.onRequestParse!;
  return {
    onRequestParse(payload) {
      try {
        return check(payload);
      } catch {
        throw new HubError(
          ErrorCode.FORBIDDEN,
          `a request without a JSON body needs the "${CSRF_HEADER}" header (any value), which keeps other web pages from sending it`,
          {
            extensions: { http: { status: 403 } },
          },
        );
      }
    },
  };
}
