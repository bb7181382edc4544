import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { startHub, type HubApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { handlers as builtInHandlers } from '../../handlers/index.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import type { RateLimitStore } from '../../src/limits/rate-limit-store.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const TEST_KEYS = {
  acme: 'acme-test-key-all-scopes-0001',
  globex: 'globex-test-key-all-scopes-001',
  acmeReadOnly: 'acme-test-key-query-only-0001',
} as const;

/** HUB_API_KEYS for two tenants with every scope, and one query-only key. */
export const TEST_API_KEYS = JSON.stringify([
  { key: TEST_KEYS.acme, tenant: 'acme', scopes: ['publish', 'subscribe', 'query', 'replay'] },
  { key: TEST_KEYS.globex, tenant: 'globex', scopes: ['publish', 'subscribe', 'query', 'replay'] },
  { key: TEST_KEYS.acmeReadOnly, tenant: 'acme', scopes: ['query'] },
]);

/**
 * An embedded hub in this process on a free port; `stop` stops it and its adapters.
 * It runs the built-in handlers, or `handlers` when given, logs to `log` when given, and counts
 * rate limits in memory, or in `rateLimits` when given (which the caller closes).
 */
export async function startTestHub(
  env: Record<string, string> = {},
  { handlers = builtInHandlers, log, rateLimits }: { handlers?: readonly HubHandler[]; log?: Logger; rateLimits?: RateLimitStore } = {},
): Promise<HubApp & { stop(): Promise<void> }> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUB_API_KEYS: TEST_API_KEYS, ...env });
  const { close: closeStorage, ...storage } = createMemoryStorage(config);
  const bus = createInProcessEventBus();
  const app = await startHub({ config, ...storage, bus, handlers, log: log ?? createLogger(config.LOG_LEVEL), ...(rateLimits && { rateLimits }) });
  return {
    ...app,
    async stop() {
      await app.close();
      await Promise.all([bus.close(), closeStorage()]);
    },
  };
}

export interface HubProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout (pino JSON lines) so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string | null>;
}

/** Starts the hub the way `npm start` does, on a free port, and waits until it listens. */
export async function spawnHub(env: Record<string, string> = {}): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // the caller never gets a handle to stop it
      reject(new Error(`hub did not start within 20 s:\n${stdout}\n${stderr}`));
    }, 20_000);
    const onData = () => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });

  return {
    url,
    child,
    output: () => stdout,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code, signal] = (await exited) as [number | null, string | null];
      clearTimeout(timer);
      return code ?? signal;
    },
  };
}
