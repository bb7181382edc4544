import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay on loopback in front of a hub, to cut a client's connections as a network or a
 * restarting hub would: `cut()` resets every connection, `down()` refuses new ones until `up()`,
 * `cutAfter(bytes)` resets the next connection once the hub has sent that many bytes through it.
 */
export interface TcpProxy {
  url: string;
  connections(): number;
  cut(): void;
  down(): void;
  up(): void;
  cutAfter(bytes: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let refusing = false;
  let cutAfter: number | null = null;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    const pair = [client, upstream];
    for (const socket of pair) {
      open.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        open.delete(socket);
        for (const other of pair) other.destroy();
      });
    }
    let budget = cutAfter;
    cutAfter = null;
    upstream.on('data', (chunk: Buffer) => {
      if (budget !== null) budget -= chunk.length;
      if (budget !== null && budget <= 0) client.resetAndDestroy();
      else client.write(chunk);
    });
    client.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => open.size / 2,
    cut: () => {
      for (const socket of open) socket.resetAndDestroy();
    },
    down: () => (refusing = true),
    up: () => (refusing = false),
    cutAfter: (bytes) => (cutAfter = bytes),
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
