import { CliError } from './cli-error.ts';

/** Where the hub is and who the CLI is to it: `--url`/`HUB_URL`, `--token`/`HUB_TOKEN`. */
export interface HubTarget {
  url: string;
  token?: string | undefined;
}

export interface GraphQLFailure {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/** Base URL without a trailing slash or `/graphql`, so either form of `--url` works. */
export const baseUrl = (url: string): string => url.replace(/\/+$/, '').replace(/\/graphql$/, '');

export const authHeaders = (target: HubTarget): Record<string, string> =>
  target.token ? { authorization: `Bearer ${target.token}` } : {};

/**
 * One GraphQL operation over HTTP. Answers `data`; a GraphQL error (or a refused request) becomes
 * a CliError carrying the hub's code and the error's path, so the message says what to fix.
 */
export async function graphql<T>(
  target: HubTarget,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl(target.url)}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...authHeaders(target),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw unreachable(target, error);
  }
  const body = (await response.json().catch(() => null)) as { data?: T | null; errors?: GraphQLFailure[] } | null;
  const first = body?.errors?.[0];
  if (first) throw hubFailure(first);
  if (!response.ok || !body?.data)
    throw new CliError(`the hub answered HTTP ${response.status}`, { code: `HTTP_${response.status}` });
  return body.data;
}

export function hubFailure({ message, path, extensions }: GraphQLFailure): CliError {
  const code = typeof extensions?.code === 'string' ? extensions.code : 'ERROR';
  const inputPath = Array.isArray(extensions?.['inputPath']) ? extensions['inputPath'] : path;
  return new CliError(`${code}: ${message}${inputPath?.length ? ` (at ${inputPath.join('.')})` : ''}`, {
    code,
    details: extensions ?? {},
  });
}

export function unreachable(target: HubTarget, error: unknown): CliError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
  return new CliError(`cannot reach the hub at ${baseUrl(target.url)}: ${cause}`, { code: 'UNREACHABLE' });
}
