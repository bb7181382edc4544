import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL request, or its JSON body already serialized (built once, outside a timed loop). */
export type GraphqlRequest = string | { query: string; variables?: Record<string, unknown> };

/** POSTs a request to the hub at `baseUrl` with the API key `key`; returns the answer's data. Anything but a 200 without errors throws. */
export async function postGraphql<T>(baseUrl: string, key: string, request: GraphqlRequest): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${key}`,
    },
    body: typeof request === 'string' ? request : JSON.stringify(request),
  });
  const text = await response.text();
  const body = (response.status === 200 ? JSON.parse(text) : {}) as { data?: T; errors?: unknown };
  if (response.status !== 200 || body.errors || !body.data)
    throw new Error(`the hub answered ${response.status}: ${text.slice(0, 500)}`);
  return body.data;
}

export interface Subscription {
  /** Resolves once the server acknowledged the connection and the subscribe message is sent. */
  connected: Promise<void>;
  /** Resolves when the subscription completes; rejects on an error result or a socket failure. */
  ended: Promise<void>;
  /** Closes the socket (the hub sees a disconnect). */
  close(): Promise<void>;
}

/**
 * One graphql-ws subscription on its own socket to the hub at `baseUrl`,
 * with the API key `key`, handing each result's data to `onData`. An error
 * result rejects `ended`.
 */
export function subscribe<T>(
  baseUrl: string,
  key: string,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
): Subscription {
  const client: Client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
  });
  let closing = false;
  const connected = new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      offClosed();
      resolve();
    });
    const offClosed = client.on('closed', (event) => {
      offConnected();
      offClosed();
      reject(new Error(`socket closed before connecting: ${JSON.stringify(event)}`));
    });
  });
  const ended = new Promise<void>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors || !result.data)
            return reject(new Error(`subscription error: ${JSON.stringify(result.errors)}`));
          onData(result.data);
        },
        error: (error) =>
          closing ? resolve() : reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(),
      },
    );
  });
  connected.catch(() => {}); // also surfaced through `ended`
  ended.catch(() => {}); // read by whoever awaits it; an early failure must not go unhandled
  return {
    connected,
    ended,
    async close() {
      closing = true;
      await client.dispose();
    },
  };
}
