import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseApiKeys } from '../../src/config.ts';
import { isHubError } from '../../src/errors.ts';
import { createAuthenticator, requireScope, sha256Hex } from '../../src/server/auth.ts';

const KEY = 'acme-publisher-key-0001';

describe('configuration', () => {
  it('has defaults that run the embedded hub on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 4000);
    assert.equal(config.HOST, '127.0.0.1');
    assert.equal(config.MONGODB_URL, undefined);
    assert.equal(config.REDIS_URL, undefined);
    assert.deepEqual(config.HUB_API_KEYS, []);
    assert.equal(config.HUB_MAX_EVENT_BYTES, 1_048_576);
    assert.equal(config.HUB_MAX_BATCH, 1000);
    assert.equal(config.HUB_IDEMPOTENCY_WINDOW_MS, 86_400_000);
  });

  it('names every bad variable in one clear message', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', HUB_API_KEYS: '{not json' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /PORT/.test(error.message) &&
        /LOG_LEVEL/.test(error.message) &&
        /HUB_API_KEYS: must be a JSON array/.test(error.message),
    );
  });

  it('rejects API keys without a tenant, with unknown scopes or with both key and sha256', () => {
    const bad = [
      [{ key: KEY, scopes: ['publish'] }],
      [{ key: KEY, tenant: 'acme', scopes: ['fly'] }],
      [{ key: KEY, sha256: sha256Hex(KEY), tenant: 'acme', scopes: ['query'] }],
      [{ key: 'short', tenant: 'acme', scopes: ['query'] }],
    ];
    for (const keys of bad) assert.throws(() => loadConfig({ HUB_API_KEYS: JSON.stringify(keys) }), ConfigError);
  });

  it('defaults MongoDB writes to majority with journal, and refuses an unacknowledged write concern', () => {
    const config = loadConfig({});
    assert.equal(config.MONGODB_WRITE_CONCERN, 'majority');
    assert.equal(config.MONGODB_JOURNAL, true);
    assert.equal(loadConfig({ MONGODB_WRITE_CONCERN: '1', MONGODB_JOURNAL: 'false' }).MONGODB_WRITE_CONCERN, 1);
    for (const bad of ['0', 'all', '-1']) {
      assert.throws(
        () => loadConfig({ MONGODB_WRITE_CONCERN: bad }),
        /MONGODB_WRITE_CONCERN: must be "majority" or a node count of at least 1/,
        bad,
      );
    }
  });

  it('has no publish rate limit by default, and takes HUB_RATE_LIMIT as whole events per second', () => {
    assert.equal(loadConfig({}).HUB_RATE_LIMIT, 0);
    assert.equal(loadConfig({ HUB_RATE_LIMIT: '' }).HUB_RATE_LIMIT, 0);
    assert.equal(loadConfig({ HUB_RATE_LIMIT: '250' }).HUB_RATE_LIMIT, 250);
  });

  it('refuses a HUB_RATE_LIMIT that is negative, fractional or not a number, saying why', () => {
    const cases = [
      ['-1', /HUB_RATE_LIMIT: must be 0 \(no limit\) or more events per second/],
      ['2.5', /HUB_RATE_LIMIT: must be a whole number of events per second/],
      ['fast', /HUB_RATE_LIMIT: must be a number of events per second/],
    ] as const;
    for (const [value, message] of cases) {
      assert.throws(
        () => loadConfig({ HUB_RATE_LIMIT: value }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        value,
      );
    }
  });

  it("takes an API key's own rateLimit, 0 included, and refuses one that is not whole events per second", () => {
    const withLimit = (rateLimit: unknown) =>
      JSON.stringify([{ key: KEY, tenant: 'acme', scopes: ['publish'], rateLimit }]);
    assert.equal(loadConfig({ HUB_API_KEYS: withLimit(20) }).HUB_API_KEYS[0]?.rateLimit, 20);
    assert.equal(loadConfig({ HUB_API_KEYS: withLimit(0) }).HUB_API_KEYS[0]?.rateLimit, 0);
    assert.equal(
      loadConfig({ HUB_API_KEYS: JSON.stringify([{ key: KEY, tenant: 'acme', scopes: ['publish'] }]) }).HUB_API_KEYS[0]
        ?.rateLimit,
      undefined,
    );
    const cases = [
      [-5, /HUB_API_KEYS\.0\.rateLimit: must be 0 \(no limit\) or more events per second/],
      [0.5, /HUB_API_KEYS\.0\.rateLimit: must be a whole number of events per second/],
      ['20', /HUB_API_KEYS\.0\.rateLimit: must be a number of events per second/],
    ] as const;
    for (const [value, message] of cases) {
      assert.throws(
        () => loadConfig({ HUB_API_KEYS: withLimit(value) }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        String(value),
      );
    }
  });

  it('has no key file and no JWT by default; tokens take the tenant from "tenant" with 5 s of clock skew', () => {
    const config = loadConfig({});
    assert.equal(config.HUB_API_KEYS_FILE, undefined);
    assert.equal(config.HUB_JWT_SECRET, undefined);
    assert.equal(config.HUB_JWT_JWKS_FILE, undefined);
    assert.equal(config.HUB_JWT_TENANT_CLAIM, 'tenant');
    assert.equal(config.HUB_JWT_CLOCK_TOLERANCE_S, 5);
  });

  it('takes an empty auth variable (VAR= in a compose file) as unset', () => {
    const config = loadConfig({
      HUB_API_KEYS_FILE: '',
      HUB_JWT_SECRET: ' ',
      HUB_JWT_JWKS_FILE: '',
      HUB_JWT_ISSUER: '',
      HUB_JWT_AUDIENCE: '',
    });
    assert.equal(config.HUB_API_KEYS_FILE, undefined);
    assert.equal(config.HUB_JWT_SECRET, undefined);
    assert.equal(config.HUB_JWT_ISSUER, undefined);
  });

  it('refuses HUB_API_KEYS and HUB_API_KEYS_FILE together, a short HS256 secret, and an issuer or audience without JWT', () => {
    const keys = JSON.stringify([{ key: KEY, tenant: 'acme', scopes: ['query'] }]);
    const cases = [
      [
        { HUB_API_KEYS: keys, HUB_API_KEYS_FILE: '/etc/hub/keys.json' },
        /HUB_API_KEYS_FILE: set either HUB_API_KEYS or HUB_API_KEYS_FILE, not both/,
      ],
      [{ HUB_JWT_SECRET: 'too-short' }, /HUB_JWT_SECRET: must be at least 32 characters/],
      [
        { HUB_JWT_ISSUER: 'https://issuer.example' },
        /HUB_JWT_ISSUER: has no effect without HUB_JWT_SECRET or HUB_JWT_JWKS_FILE/,
      ],
      [{ HUB_JWT_AUDIENCE: 'event-hub' }, /HUB_JWT_AUDIENCE: has no effect without/],
      [
        { HUB_JWT_SECRET: 'x'.repeat(32), HUB_JWT_CLOCK_TOLERANCE_S: '3600' },
        /HUB_JWT_CLOCK_TOLERANCE_S: must be at most 300 seconds/,
      ],
    ] as const;
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
    const ok = loadConfig({
      HUB_API_KEYS_FILE: '/etc/hub/keys.json',
      HUB_JWT_SECRET: 'x'.repeat(32),
      HUB_JWT_ISSUER: 'https://issuer.example',
      HUB_JWT_TENANT_CLAIM: 'org',
    });
    assert.equal(ok.HUB_JWT_TENANT_CLAIM, 'org');
    assert.deepEqual(ok.HUB_API_KEYS, []);
  });

  it('parses a key file like HUB_API_KEYS, and refuses one that reads empty rather than revoke every key', () => {
    assert.deepEqual(parseApiKeys(JSON.stringify([{ key: KEY, tenant: 'acme', scopes: ['query'] }])), [
      { key: KEY, tenant: 'acme', scopes: ['query'] },
    ]);
    assert.deepEqual(parseApiKeys('[]'), []);
    assert.throws(() => parseApiKeys(''), /the file is empty; write \[\] for no keys/);
    assert.throws(
      () => parseApiKeys('[{"key":"short","tenant":"acme","scopes":["query"]}]'),
      /keys\.0\.key: an API key must be at least 16 characters/,
    );
  });

  it('parses comma lists and booleans', () => {
    const config = loadConfig({
      HUB_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      HUB_INTROSPECTION: 'false',
    });
    assert.deepEqual(config.HUB_ALLOWED_ORIGINS, ['https://a.example', 'https://b.example']);
    assert.equal(config.HUB_INTROSPECTION, false);
  });
});

describe('authentication', () => {
  const keys = loadConfig({
    HUB_API_KEYS: JSON.stringify([
      { key: KEY, tenant: 'acme', scopes: ['publish', 'query'] },
      { sha256: sha256Hex('globex-admin-key-0001'), tenant: 'globex', scopes: ['admin'] },
    ]),
  }).HUB_API_KEYS;
  const auth = createAuthenticator(keys);

  it('maps a bearer key to its tenant and scopes', async () => {
    const principal = await auth.authenticate(`Bearer ${KEY}`);
    assert.equal(principal?.tenantId, 'acme');
    assert.deepEqual([...principal!.scopes].sort(), ['publish', 'query']);
  });

  it('accepts keys configured only by their SHA-256', async () => {
    assert.equal((await auth.authenticate('Bearer globex-admin-key-0001'))?.tenantId, 'globex');
  });

  it('knows nobody without a key, with an unknown key or another scheme', async () => {
    for (const header of [undefined, '', 'Bearer nope-nope-nope-nope', `Basic ${KEY}`, KEY]) {
      assert.equal(await auth.authenticate(header), null, String(header));
    }
  });

  it('answers UNAUTHENTICATED without a principal and FORBIDDEN without the scope; admin has every scope', async () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'ok';
      } catch (error) {
        return isHubError(error) ? error.code : 'other';
      }
    };
    assert.equal(
      code(() => requireScope(null, 'query')),
      'UNAUTHENTICATED',
    );
    const acme = await auth.authenticate(`Bearer ${KEY}`);
    const globexAdmin = await auth.authenticate('Bearer globex-admin-key-0001');
    assert.equal(
      code(() => requireScope(acme, 'subscribe')),
      'FORBIDDEN',
    );
    assert.equal(
      code(() => requireScope(acme, 'publish')),
      'ok',
    );
    assert.equal(
      code(() => requireScope(globexAdmin, 'replay')),
      'ok',
    );
  });

  it("gives each principal its key's own rateLimit and a stable fingerprint that is neither the key nor its digest", async () => {
    const limited = createAuthenticator(
      loadConfig({ HUB_API_KEYS: JSON.stringify([{ key: KEY, tenant: 'acme', scopes: ['publish'], rateLimit: 7 }]) })
        .HUB_API_KEYS,
    );
    const byDigest = createAuthenticator([{ sha256: sha256Hex(KEY), tenant: 'acme', scopes: ['publish'] }]);
    const principal = (await limited.authenticate(`Bearer ${KEY}`))!;
    assert.equal(principal.rateLimit, 7);
    assert.equal((await auth.authenticate(`Bearer ${KEY}`))?.rateLimit, undefined);
    assert.match(principal.keyId, /^[0-9a-f]{16}$/);
    assert.equal(
      (await byDigest.authenticate(`Bearer ${KEY}`))?.keyId,
      principal.keyId,
      'the same key has the same id however it is configured',
    );
    assert.notEqual((await auth.authenticate('Bearer globex-admin-key-0001'))?.keyId, principal.keyId);
    assert.ok(!KEY.includes(principal.keyId) && !sha256Hex(KEY).includes(principal.keyId));
  });

  it('serves tenant "default" with every scope when no keys are configured', async () => {
    const open = createAuthenticator([]);
    assert.equal(open.open, true);
    const principal = await open.authenticate(undefined);
    assert.equal(principal?.tenantId, 'default');
    assert.ok(['publish', 'subscribe', 'query', 'replay', 'admin'].every((s) => principal!.scopes.has(s as never)));
  });
});
