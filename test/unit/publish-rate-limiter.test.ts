import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHubError, type HubError } from '../../src/errors.ts';
import { createMemoryRateLimitStore } from '../../src/limits/memory-rate-limit-store.ts';
import {
  createPublishRateLimiter,
  type PublishRateLimiterOptions,
  type RateLimitRefusal,
} from '../../src/limits/publish-rate-limiter.ts';
import type { RateLimitStore } from '../../src/limits/rate-limit-store.ts';
import { createLogger } from '../../src/logger.ts';

const SHARED = { keyId: 'aaaaaaaaaaaaaaaa' };
const OTHER = { keyId: 'bbbbbbbbbbbbbbbb' };

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

function limiter(overrides: Partial<PublishRateLimiterOptions> = {}) {
  const refusals: RateLimitRefusal[] = [];
  const rateLimiter = createPublishRateLimiter({
    store: createMemoryRateLimitStore(),
    defaultLimit: 3,
    log: createLogger('silent'),
    onRateLimited: (refusal) => refusals.push(refusal),
    ...overrides,
  });
  return { rateLimiter, refusals };
}

/** The RATE_LIMITED error `admit` throws, or null when it admitted. */
async function refusal(admitting: Promise<void>): Promise<HubError | null> {
  try {
    await admitting;
    return null;
  } catch (error) {
    assert.ok(isHubError(error) && error.code === 'RATE_LIMITED', `RATE_LIMITED, got ${String(error)}`);
    return error;
  }
}

describe('publish rate limiter', () => {
  it('lets a tenant publish its limit per window, then refuses with retryAfterMs and the limit', async () => {
    const { rateLimiter, refusals } = limiter();
    assert.equal(await refusal(rateLimiter.admit('acme', SHARED, 2)), null);
    assert.equal(
      await refusal(rateLimiter.admit('acme', OTHER, 1)),
      null,
      'keys without their own limit share the tenant budget',
    );
    const error = (await refusal(rateLimiter.admit('acme', SHARED, 1)))!;
    assert.ok(error, 'the fourth event is refused');
    assert.equal(error.extensions['limit'], 3);
    assert.ok(Number.isInteger(error.extensions['retryAfterMs']) && (error.extensions['retryAfterMs'] as number) > 0);
    assert.deepEqual(refusals, [
      { tenantId: 'acme', keyId: SHARED.keyId, events: 1, limit: 3, retryAfterMs: error.extensions['retryAfterMs'] },
    ]);
    assert.equal(await refusal(rateLimiter.admit('globex', SHARED, 3)), null, 'another tenant has a budget of its own');
  });

  it('gives a key with its own rateLimit a budget of its own, and none with rateLimit 0', async () => {
    const { rateLimiter } = limiter();
    assert.equal(await refusal(rateLimiter.admit('acme', SHARED, 3)), null);
    assert.equal(
      await refusal(rateLimiter.admit('acme', { keyId: 'cccccccccccccccc', rateLimit: 5 }, 5)),
      null,
      'not the exhausted tenant budget',
    );
    assert.ok(await refusal(rateLimiter.admit('acme', { keyId: 'cccccccccccccccc', rateLimit: 5 }, 1)));
    assert.equal(
      await refusal(rateLimiter.admit('acme', { keyId: 'dddddddddddddddd', rateLimit: 5 }, 5)),
      null,
      'per key, not per tenant',
    );
    assert.equal(await refusal(rateLimiter.admit('acme', { keyId: 'eeeeeeeeeeeeeeee', rateLimit: 0 }, 1000)), null);
  });

  it('refuses a batch larger than the limit, saying it must be split', async () => {
    const { rateLimiter } = limiter();
    const error = (await refusal(rateLimiter.admit('acme', SHARED, 4)))!;
    assert.match(error.message, /a batch of 4 events is more than the rate limit of 3 events per second allows/);
    assert.equal(await refusal(rateLimiter.admit('acme', SHARED, 3)), null, 'and took nothing');
  });

  it('limits nothing without HUB_RATE_LIMIT and without a key limit, and never asks the store', async () => {
    const store = failingStore();
    const { rateLimiter } = limiter({ defaultLimit: 0, store });
    for (let i = 0; i < 5; i++) assert.equal(await refusal(rateLimiter.admit('acme', SHARED, 100)), null);
    assert.equal(await refusal(rateLimiter.admit('acme', { keyId: SHARED.keyId, rateLimit: 0 }, 100)), null);
    assert.equal(store.takes, 0);
  });

  it('lets publishes through when the store fails, warning at most once per interval with the failures since', async () => {
    const { log, lines } = capturedLog();
    const clock = { ms: 0 };
    const { rateLimiter } = limiter({ store: failingStore(), log, warnEveryMs: 30_000, now: () => clock.ms });
    for (let i = 0; i < 5; i++) assert.equal(await refusal(rateLimiter.admit('acme', SHARED, 10)), null);
    clock.ms += 30_000;
    assert.equal(await refusal(rateLimiter.admit('acme', SHARED, 1)), null);
    const warnings = lines.filter((line) => line['msg'] === 'rate limit store failed; publishing without a limit');
    assert.deepEqual(
      warnings.map((line) => line['failures']),
      [1, 5],
    );
    assert.ok(warnings.every((line) => line['level'] === 40));
  });

  it('answers RATE_LIMITED even when onRateLimited throws', async () => {
    const { log, lines } = capturedLog();
    const { rateLimiter } = limiter({
      log,
      onRateLimited: () => {
        throw new Error('audit down');
      },
    });
    await rateLimiter.admit('acme', SHARED, 3);
    assert.ok(await refusal(rateLimiter.admit('acme', SHARED, 1)));
    assert.ok(lines.some((line) => line['msg'] === 'onRateLimited failed'));
  });
});

/** A store whose backend is down, counting what it was asked. */
function failingStore(): RateLimitStore & { takes: number } {
  return {
    takes: 0,
    async take() {
      this.takes += 1;
      throw new Error('Redis connection is not ready');
    },
    close: async () => {},
  };
}
