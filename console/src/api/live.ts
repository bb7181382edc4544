import { createClient, type Client } from 'graphql-ws';

/** WebSocket close code the hub uses for a refused, expired or revoked credential. */
const REFUSED = 4403;

export interface LiveSink<T> {
  next(value: T): void;
  error(message: string): void;
  complete(): void;
}

/** The session's graphql-ws client on this hub's /graphql; sends the credential on every (re)connect. */
export function createLiveClient(credential: string): Client {
  const url = new URL('/graphql', location.origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // No automatic retry: a re-sent subscription would start again from its first `after`; the views offer Resume instead.
  return createClient({
    url: url.href,
    lazy: true,
    retryAttempts: 0,
    connectionParams: () => ({ authorization: `Bearer ${credential}` }),
  });
}

/** Subscribes and hands each result's `field` to the sink; returns the unsubscribe function. */
export function subscribe<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  field: string,
  sink: LiveSink<T>,
): () => void {
  return client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next(result) {
        if (result.errors?.length) sink.error(result.errors.map((e) => e.message).join('; '));
        else if (result.data?.[field] !== undefined) sink.next(result.data[field] as T);
      },
      error(error) {
        const close = error as { code?: number; reason?: string };
        if (close.code === REFUSED)
          sink.error(`the hub closed the connection: ${close.reason || 'credential refused'}`);
        else sink.error(error instanceof Error ? error.message : 'the live connection was lost');
      },
      complete: () => sink.complete(),
    },
  );
}
