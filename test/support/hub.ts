import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { startHub, type HubApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { exampleHandlers } from '../../examples/handlers/index.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import type { RateLimitStore } from '../../src/limits/rate-limit-store.ts';
import { spawnHubProcess, type HubProcess } from './hub-process.ts';

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
 * It runs the example handlers (examples/handlers), or `handlers` when given, logs to `log` when given, and counts
 * rate limits in memory, or in `rateLimits` when given (which the caller closes).
 */
export async function startTestHub(
  env: Record<string, string> = {},
  {
    handlers = exampleHandlers,
    log,
    rateLimits,
  }: { handlers?: readonly HubHandler[]; log?: Logger; rateLimits?: RateLimitStore } = {},
): Promise<HubApp & { stop(): Promise<void> }> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUB_API_KEYS: TEST_API_KEYS, ...env });
  const { close: closeStorage, ...storage } = createMemoryStorage(config);
  const bus = createInProcessEventBus();
  const app = await startHub({
    config,
    ...storage,
    bus,
    handlers,
    log: log ?? createLogger(config.LOG_LEVEL),
    ...(rateLimits && { rateLimits }),
  });
  return {
    ...app,
    async stop() {
      await app.close();
      await Promise.all([bus.close(), closeStorage()]);
    },
  };
}

export type { HubProcess };

/**
 * Starts the hub the way `npm start` does, on a free port, and waits until it listens:
 * its configuration is `env` alone (nothing inherited but PATH), and all its output is kept.
 */
export function spawnHub(env: Record<string, string> = {}): Promise<HubProcess> {
  return spawnHubProcess({ env, keepOutput: true });
}
