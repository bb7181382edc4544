// Redis for the test run: found or installed from Debian, started on a free loopback port.
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { ensureDebianTools, SEARCH_DIRS } from './debian.mjs';
import { findExecutable, freePort, startServer, waitUntilReady } from './proc.mjs';

const FIX = 'Install it (apt-get install -y redis-server) or set REDIS_URL to a running Redis.';

async function ensureRedisServer() {
  await ensureDebianTools([{ executable: 'redis-server', pkg: 'redis-server' }]);
  return findExecutable('redis-server', SEARCH_DIRS);
}

/** Sends PING over raw RESP, so the harness needs no npm package before tests run. */
export function pingRedis(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    let reply = '';
    const done = (error, ok) => {
      socket.destroy();
      error ? reject(error) : resolve(ok);
    };
    socket.setTimeout(1000, () => done(new Error('PING timed out')));
    socket.once('error', (error) => done(error));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(undefined, reply.startsWith('+PONG'));
    });
  });
}

/** Starts a throwaway Redis in `dir`; resolves once it answers PING. */
export async function startRedis(dir) {
  const bin = await ensureRedisServer();
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    '--protected-mode',
    'no',
  ];
  const server = startServer('redis-server', bin, args);
  await waitUntilReady(server, () => pingRedis(port), { timeoutMs: 15_000, hint: FIX });
  return Object.assign(server, { url: `redis://127.0.0.1:${port}` });
}
