// Small process and network helpers shared by the server starters.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Servers started and not yet exited, so every exit path can stop them. */
export const running = new Set();

/** Harness messages go to stderr so stdout ends with the test runner's own summary. */
export function say(message) {
  process.stderr.write(`[test] ${message}\n`);
}

/** A free loopback port, found by letting the kernel pick one. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** First executable named `name` on PATH or in `extraDirs`, or undefined. */
export function findExecutable(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Runs a command to completion with inherited output; rejects on a non-zero exit. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/**
 * Starts a long-running server. Its output is kept (last 40 lines) rather than shown,
 * so a healthy run stays quiet and a failing start can explain itself.
 * `detached` puts it in its own process group: a Ctrl-C in the terminal then reaches
 * the harness, which stops the server itself instead of racing it.
 */
export function startServer(name, command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  const lines = [];
  const keep = (chunk) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ?? `exit ${code}`;
      resolve(exitInfo);
    });
    child.once('error', (error) => {
      keep(String(error));
      exitInfo = 'spawn error';
      resolve(exitInfo);
    });
  });
  const server = {
    name,
    child,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    tail: () => lines.join('\n'),
    /** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
    async stop(graceMs = 5000) {
      if (exitInfo !== undefined || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(server);
  void exited.then(() => running.delete(server));
  return server;
}

/**
 * Polls `check` until it resolves true. Fails early when the server exits and on timeout,
 * both with the server's output tail, because "did not start" alone never helps.
 */
export async function waitUntilReady(server, check, { timeoutMs, hint }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (server.exitInfo !== undefined) break;
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  const why =
    server.exitInfo !== undefined ? `exited (${server.exitInfo})` : `did not answer within ${timeoutMs / 1000} s`;
  const last = lastError ? `\nlast check error: ${lastError.message ?? lastError}` : '';
  throw new Error(
    `${server.name} ${why}.${last}\n--- ${server.name} output (tail) ---\n${server.tail() || '(none)'}\n---\n${hint}`,
  );
}
