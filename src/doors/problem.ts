import type { ServerResponse } from 'node:http';
import { ErrorCode, isHubError, type HubError } from '../errors.ts';

/**
 * HTTP errors of the hub's non-GraphQL doors (`/events`, `/webhooks`, `/export`, …) as RFC 9457
 * problem documents (`application/problem+json`), carrying the same `code` a GraphQL error would,
 * so a client handles both alike.
 */
export interface Problem {
  status: number;
  /** The hub's code (ErrorCode), or a door's own such as UNSUPPORTED_MEDIA_TYPE. */
  code: string;
  title: string;
  detail?: string | undefined;
  /** Where in the input the problem is, as HubError.inputPath. */
  path?: readonly string[] | undefined;
  /** More members, e.g. `retryAfterMs`, `limit`. */
  extensions?: Record<string, unknown> | undefined;
}

/** The HTTP status of each hub code outside GraphQL. */
export const STATUS_OF: Readonly<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.UNAVAILABLE]: 503,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** The problem for a HubError; anything else is a 500 that says nothing about its cause. */
export function problemOf(error: unknown): Problem {
  if (!isHubError(error)) return { status: 500, code: ErrorCode.INTERNAL, title: TITLES[500]! };
  const hubError: HubError = error;
  const status = STATUS_OF[hubError.code] ?? 500;
  return {
    status,
    code: hubError.code,
    title: TITLES[status] ?? 'Error',
    detail: hubError.message,
    path: hubError.inputPath,
    extensions: hubError.extensions,
  };
}

/** A problem for a door's own refusal (415, 405, 422, …). */
export function problem(status: number, code: string, detail: string, more: Partial<Problem> = {}): Problem {
  return { status, code, title: TITLES[status] ?? 'Error', detail, ...more };
}

/** The problem document as JSON members (also one item's answer inside a batch's answer). */
export function problemBody({ status, code, title, detail, path, extensions }: Problem): Record<string, unknown> {
  return {
    type: 'about:blank',
    title,
    status,
    code,
    ...(detail !== undefined && { detail }),
    ...(path && { path }),
    ...extensions,
  };
}

/** Writes `problem`; a RATE_LIMITED one also gets `Retry-After` (whole seconds, at least 1). */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  const { status, extensions } = problem;
  const body = JSON.stringify(problemBody(problem));
  const retryAfterMs = extensions?.['retryAfterMs'];
  if (typeof retryAfterMs === 'number')
    res.setHeader('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  res.writeHead(status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
