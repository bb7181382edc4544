import type { Untyped } from './untyped.ts';

/** A GraphQL-over-HTTP response as tests look at it: `data` untyped unless the test names its shape. */
export interface GraphQLResponse<T = Untyped> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Shapes of common selections, for a test that types its response (`gql<{ events: Connection<EventNode> }>`). */
export interface Edge<N> {
  node: N;
  cursor?: string;
}
export interface Connection<N> {
  edges: Edge<N>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
export interface EventNode {
  id: string;
  type: string;
  tenantId: string;
  position: string;
  subject?: string | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  processing?: { handler: string; status: string }[];
}
export interface PublishResult {
  status: string;
  originalEventId?: string | null;
  event: EventNode | null;
  error?: { code: string; path: string[]; message: string } | null;
}

/** POSTs one operation to `${url}/graphql`, optionally with an API key. */
export async function gql<T = Untyped>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  apiKey?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(apiKey && { authorization: `Bearer ${apiKey}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The `extensions.code` of every error, for compact assertions. */
export const errorCodes = (response: GraphQLResponse): string[] =>
  (response.errors ?? []).map((error) => String(error.extensions?.['code']));

export const PUBLISH = /* GraphQL */ `
  mutation Publish($input: PublishEventInput!) {
    publishEvent(input: $input) { status originalEventId event { id type tenantId position payload } }
  }
`;
