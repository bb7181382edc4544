import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { REQUEST_HEADERS } from './workload.ts';

/** POSTs a GraphQL request with the bench key; anything but a 200 without errors throws. */
export async function postGraphql<T>(baseUrl: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: REQUEST_HEADERS, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: T; errors?: unknown };
  if (response.status !== 200 || body.errors || !body.data) throw new Error(`the hub answered ${response.status}: ${text.slice(0, 500)}`);
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
 * One graphql-ws subscription on its own socket, with the bench key,
 * handing each result's data to `onData`. An error result rejects `ended`.
 */
export function subscribe<T>(baseUrl: string, query: string, variables: Record<string, unknown>, onData: (data: T) => void): Subscription {
  const client: Client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: REQUEST_HEADERS.authorization },
    retryAttempts: 0,
    lazy: false,
  });
  let closing = false;
  const connected = new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => (offConnected(), offClosed(), resolve()));
    const offClosed = client.on('closed', (event) => (offConnected(), offClosed(), reject(new Error(`socket closed before connecting: ${JSON.stringify(event)}`))));
  });
  const ended = new Promise<void>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors || !result.data) return reject(new Error(`subscription error: ${JSON.stringify(result.errors)}`));
          onData(result.data);
        },
        error: (error) => (closing ? resolve() : reject(error instanceof Error ? error : new Error(JSON.stringify(error)))),
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
