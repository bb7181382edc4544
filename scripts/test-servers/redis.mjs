// Redis for the test run: found or installed from Debian, started on a free loopback port.
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { findExecutable, freePort, run, say, startServer, waitUntilReady } from './proc.mjs';

// apt puts redis-server in /usr/bin, but a PATH without /usr/sbin (non-login root shells) must not hide it.
const SEARCH_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];
const FIX = 'Install it (apt-get install -y redis-server) or set REDIS_URL to a running Redis.';

async function ensureRedisServer() {
  const found = findExecutable('redis-server', SEARCH_DIRS);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`redis-server is not installed and this user cannot apt-get install it. ${FIX}`);
  }
  say('redis-server not found; installing it with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], { env });
    await run('apt-get', ['install', '-y', 'redis-server'], { env });
  } catch (error) {
    throw new Error(`Installing redis-server failed: ${error.message}. ${FIX}`);
  }
  const installed = findExecutable('redis-server', SEARCH_DIRS);
  if (!installed) throw new Error(`apt-get installed redis-server but no executable was found. ${FIX}`);
  return installed;
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
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
    '--protected-mode', 'no',
  ];
  const server = startServer('redis-server', bin, args);
  await waitUntilReady(server, () => pingRedis(port), { timeoutMs: 15_000, hint: FIX });
  return Object.assign(server, { url: `redis://127.0.0.1:${port}` });
}
