import { createClient, type Client } from 'graphql-ws';
import { encodePosition } from '../../src/events/position.ts';
import WebSocket from 'ws';
import type { Untyped } from './untyped.ts';

export interface Received {
  data?: Untyped | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
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
        waiters.push({
          count,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    async close() {
      dispose();
    },
  };
}

/**
 * A subscription to the event types `pattern` from position 0: every stored event, then the live
 * ones, so an event published before the subscription is live is caught up rather than missed.
 */
export function subscribeFromStart(client: Client, pattern: string, selection: string): TestSubscription {
  return subscribe(
    client,
    `subscription($after: String) { events(filter: { types: ["${pattern}"] }, after: $after) { ${selection} } }`,
    { after: encodePosition(0) },
  );
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

/** graphql-transport-ws spoken by hand: every text message exactly as the server wrote it. */
export interface RawGraphqlWs {
  /** Every message received, in order, as text. */
  messages: string[];
  /** The `next` messages of subscription `id`, as text. */
  nexts(id: string): string[];
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  send(message: Record<string, unknown>): void;
  /** Resolves once subscription `id` has `count` `next` messages (rejects after `timeoutMs`). */
  waitForNexts(id: string, count: number, timeoutMs?: number): Promise<string[]>;
  /** The TCP socket under it, to stop and start reading. */
  tcp: import('node:net').Socket;
  close(): void;
}

/** Opens a socket, sends `connection_init` with `apiKey` and resolves once acknowledged. */
export async function rawGraphqlWs(url: string, apiKey: string): Promise<RawGraphqlWs> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(String(data)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } }));
  const until = async (condition: () => boolean, what: string, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await until(() => messages.some((m) => JSON.parse(m).type === 'connection_ack'), 'connection_ack');
  const nexts = (id: string) => messages.filter((m) => JSON.parse(m).id === id && JSON.parse(m).type === 'next');
  return {
    messages,
    nexts,
    subscribe: (id, query, variables = {}) =>
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    send: (message) => socket.send(JSON.stringify(message)),
    async waitForNexts(id, count, timeoutMs) {
      await until(() => nexts(id).length >= count, `${count} next messages for ${id}`, timeoutMs);
      return nexts(id);
    },
    tcp: (socket as unknown as { _socket: import('node:net').Socket })._socket,
    close: () => socket.terminate(),
  };
}
