import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { HubApp } from '../../src/app.ts';
import type { Untyped } from './untyped.ts';

/** A graphql-ws socket spoken by hand, to see how the hub ends it: close code and reason. */
export interface SocketProbe {
  /** True once `connection_ack` arrives; false when the socket closes first. */
  acked: Promise<boolean>;
  closed: Promise<{ code: number; reason: string }>;
  /** Every message received, parsed. */
  messages: Untyped[];
  subscribe(id: string, query: string): void;
  /** Resolves with the first message about subscription `id` (`next` or `error`). */
  answer(id: string, timeoutMs?: number): Promise<Untyped>;
  close(): void;
}

/** Opens a socket and sends `connection_init` with `authorization` in its payload (no payload when undefined). */
export function openSocket(url: string, authorization?: string): SocketProbe {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: Untyped[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const acked = new Promise<boolean>((resolve) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Untyped;
      messages.push(message);
      if (message['type'] === 'connection_ack') resolve(true);
    });
    void closed.then(() => resolve(false));
  });
  socket.once('open', () =>
    socket.send(
      JSON.stringify({ type: 'connection_init', ...(authorization !== undefined && { payload: { authorization } }) }),
    ),
  );
  socket.on('error', () => {}); // a refused socket ends in `closed`
  return {
    acked,
    closed,
    messages,
    subscribe: (id, query) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } })),
    async answer(id, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => m['id'] === id);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no answer for ${id}; got ${JSON.stringify(messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => socket.terminate(),
  };
}

/** Retries `check` until it returns true, for changes the hub picks up by polling; false after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once `hub` holds `count` open subscriptions, so that a publish after it is live for them. */
export async function liveSubscriptions(hub: HubApp, count: number): Promise<void> {
  for (let i = 0; i < 300 && hub.services.live.size !== count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(hub.services.live.size, count);
}
