import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createPolicies, warmCutoff } from '../../src/retention/retention-policy.ts';

const DAY = 86_400_000;
const MONGO = { MONGODB_URL: 'mongodb://127.0.0.1:27017' };
const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
  );

describe('retention configuration', () => {
  it('keeps events a year in the archive and seven years in cold, checked hourly, with no cold tier unless asked', () => {
    const config = loadConfig({});
    assert.equal(config.HUB_COLD_DIR, undefined);
    assert.equal(config.HUB_RETENTION_WARM, 365 * DAY);
    assert.equal(config.HUB_RETENTION_COLD, 7 * 365.25 * DAY);
    assert.equal(config.HUB_RETENTION_INTERVAL, 3_600_000);
    assert.deepEqual(config.HUB_RETENTION_POLICIES, []);
  });

  it('reads durations with a unit and per-tenant policies', () => {
    const config = loadConfig({
      ...MONGO,
      HUB_COLD_DIR: '/var/lib/hub/cold',
      HUB_RETENTION_WARM: '30s',
      HUB_RETENTION_COLD: '12h',
      HUB_RETENTION_INTERVAL: '1s',
      HUB_RETENTION_POLICIES: '[{"tenant":"acme","warm":"2d","cold":"10y","hold":true}]',
    });
    assert.deepEqual(
      [config.HUB_RETENTION_WARM, config.HUB_RETENTION_COLD, config.HUB_RETENTION_INTERVAL],
      [30_000, 43_200_000, 1000],
    );
    const policyOf = createPolicies(
      { warmMs: config.HUB_RETENTION_WARM, coldMs: config.HUB_RETENTION_COLD },
      config.HUB_RETENTION_POLICIES,
    );
    assert.deepEqual(policyOf('acme'), { warmMs: 2 * DAY, coldMs: 10 * 365.25 * DAY, hold: true });
    assert.deepEqual(policyOf('globex'), { warmMs: 30_000, coldMs: 43_200_000, hold: false });
  });

  it('refuses durations without a unit or under a second, bad policies, cold shorter than warm, and a cold tier on the memory store', () => {
    refused({ HUB_RETENTION_WARM: '10' }, /HUB_RETENTION_WARM: must be a duration/);
    refused({ HUB_RETENTION_INTERVAL: '500ms' }, /HUB_RETENTION_INTERVAL: must be a duration/);
    refused({ HUB_RETENTION_POLICIES: '{"tenant":"acme"}' }, /HUB_RETENTION_POLICIES/);
    refused({ HUB_RETENTION_POLICIES: '[{"tenant":"acme","worm":"1d"}]' }, /HUB_RETENTION_POLICIES/);
    refused({ HUB_RETENTION_POLICIES: '[{"tenant":"acme"},{"tenant":"acme"}]' }, /names a tenant a second time/);
    refused(
      { HUB_RETENTION_WARM: '2d', HUB_RETENTION_COLD: '1d' },
      /HUB_RETENTION_COLD: must be at least HUB_RETENTION_WARM/,
    );
    refused({ HUB_RETENTION_POLICIES: '[{"tenant":"acme","warm":"30d","cold":"10d"}]' }, /cold: must be at least warm/);
    refused({ HUB_COLD_DIR: '/tmp/cold' }, /HUB_COLD_DIR: needs MONGODB_URL/);
  });

  it('crashes the retention job at a step only when a test names one of the three steps', () => {
    assert.equal(loadConfig({}).HUB_RETENTION_CRASH_AT, undefined);
    assert.equal(loadConfig({ HUB_RETENTION_CRASH_AT: 'duringDelete' }).HUB_RETENTION_CRASH_AT, 'duringDelete');
    refused({ HUB_RETENTION_CRASH_AT: 'afterLunch' }, /HUB_RETENTION_CRASH_AT/);
  });

  it('moves whole UTC days once warm is a day or more, and what has aged each run below that', () => {
    const now = Date.parse('2024-03-10T15:30:00Z');
    assert.equal(new Date(warmCutoff(DAY, now)).toISOString(), '2024-03-09T00:00:00.000Z');
    assert.equal(new Date(warmCutoff(2_000, now)).toISOString(), '2024-03-10T15:29:58.000Z');
  });
});
