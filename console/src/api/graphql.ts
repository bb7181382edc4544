/** An error the hub answered, with its `extensions.code` (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, …). */
export class HubApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One operation over HTTP to this hub's /graphql, with the signed-in credential. */
export async function graphql<T>(
  credential: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL('/graphql', location.origin), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${credential}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new HubApiError('the hub does not answer; is it running?', 'UNAVAILABLE');
  }
  const answer = (await response.json().catch(() => ({}))) as GraphQLAnswer<T>;
  const [error] = answer.errors ?? [];
  if (error) throw new HubApiError(error.message, error.extensions?.code ?? 'ERROR');
  if (!answer.data) throw new HubApiError(`the hub answered HTTP ${response.status} without data`, 'ERROR');
  return answer.data;
}

/** What a person reads for an error: the hub's message, prefixed by what the code means. */
export function describeError(error: unknown): string {
  if (!(error instanceof HubApiError)) return String(error instanceof Error ? error.message : error);
  if (error.code === 'UNAUTHENTICATED') return `Sign-in refused: ${error.message}`;
  if (error.code === 'FORBIDDEN') return `Not allowed with this key or token: ${error.message}`;
  return error.message;
}
