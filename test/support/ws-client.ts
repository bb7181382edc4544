import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received {
  data?: Record<string, any> | null;
  errors?: readonly { message: string; extensions?: Record<string, any> }[];
}

/** One graphql-ws subscription that records what arrives, for assertions. */
export interface TestSubscription {
  received: Received[];
  /** Resolves once `count` results have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Resolves when the server completes the subscription or the socket fails. */
  ended: Promise<{ error?: unknown }>;
  close(): Promise<void>;
}

export function wsClient(url: string, apiKey?: string, extra: { origin?: string } = {}): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, extra.origin ? { origin: extra.origin } : {});
      }
    },
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and resolves once the server has acknowledged the connection. */
export function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}): TestSubscription {
  const received: Received[] = [];
  const waiters: { count: number; resolve: (r: Received[]) => void }[] = [];
  let endedResolve!: (value: { error?: unknown }) => void;
  const ended = new Promise<{ error?: unknown }>((resolve) => (endedResolve = resolve));
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        received.push(result as Received);
        for (const waiter of [...waiters]) {
          if (received.length >= waiter.count) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(received.slice());
          }
        }
      },
      error: (error) => endedResolve({ error }),
      complete: () => endedResolve({}),
    },
  );
  return {
    received,
    ended,
    waitFor(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} results, got ${received.length}: ${JSON.stringify(received)}`)),
          timeoutMs,
        );
        waiters.push({ count, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    async close() {
      dispose();
    },
  };
}

/** Waits until the socket is connected and acknowledged. */
export function connected(client: Client, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection_ack')), timeoutMs);
    const off = client.on('connected', () => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
