// RS256 and ES256 tokens verified against HUB_JWT_JWKS_FILE, whose keys rotate without a restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, importJWK } from 'jose';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { createHubAuthenticator } from '../../src/auth/hub-authenticator.ts';
import { createLogger } from '../../src/logger.ts';
import { errorCodes, gql, type GraphQLResponse } from '../support/graphql-client.ts';
import { startTestHub } from '../support/hub.ts';
import { eventually, openSocket } from '../support/socket-probe.ts';
import type { TestHub } from '../support/store-hubs.ts';
import { hs256, signingKey, TEST_AUDIENCE, TEST_ISSUER, writeJwks, type TestSigningKey } from '../support/tokens.ts';

const CLAIMS = { tenant: 'acme', scope: 'query subscribe' };
const EVENTS = '{ events { edges { node { id } } } }';
const refusal = (response: GraphQLResponse) => ({
  codes: errorCodes(response),
  message: response.errors?.[0]?.message,
});

describe('JWT bearer tokens from a JWKS file (RS256, ES256)', () => {
  let dir: string;
  let jwksPath: string;
  let rsa: TestSigningKey;
  let ec: TestSigningKey;
  let hub: TestHub;
  const logLines: string[] = [];
  const accepted = async (token: string) => errorCodes(await gql(hub.url, EVENTS, {}, token)).length === 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-jwks-'));
    jwksPath = join(dir, 'jwks.json');
    [rsa, ec] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1')]);
    await writeJwks(jwksPath, [rsa, ec]);
    const log = createLogger('info', { write: (line: string) => void logLines.push(line) });
    hub = await startTestHub(
      {
        HUB_JWT_JWKS_FILE: jwksPath,
        HUB_JWT_ISSUER: TEST_ISSUER,
        HUB_JWT_AUDIENCE: TEST_AUDIENCE,
        HUB_JWT_CLOCK_TOLERANCE_S: '0',
      },
      { log },
    );
  });
  after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts RS256 and ES256 tokens signed by a key of the file', async () => {
    assert.equal(await accepted(await rsa.sign(CLAIMS)), true);
    assert.equal(await accepted(await ec.sign(CLAIMS)), true);
  });

  it('refuses a token signed by a key that is not in the file', async () => {
    const stranger = await signingKey('RS256', 'rsa-1'); // same kid, other key
    assert.deepEqual(refusal(await gql(hub.url, EVENTS, {}, await stranger.sign(CLAIMS))), {
      codes: ['UNAUTHENTICATED'],
      message: 'token signature invalid',
    });
    const unknown = await signingKey('ES256', 'ec-unknown');
    assert.deepEqual(refusal(await gql(hub.url, EVENTS, {}, await unknown.sign(CLAIMS))), {
      codes: ['UNAUTHENTICATED'],
      message: 'token signing key unknown',
    });
  });

  it('refuses HS256 when only a JWKS is configured, even signed with a public key of the file as HMAC secret (algorithm confusion)', async () => {
    const pem = await exportSPKI((await importJWK(rsa.jwk, 'RS256', { extractable: true })) as CryptoKey);
    for (const secret of [pem, JSON.stringify(rsa.jwk)]) {
      const confused = await hs256(CLAIMS, { secret });
      assert.deepEqual(refusal(await gql(hub.url, EVENTS, {}, confused)), {
        codes: ['UNAUTHENTICATED'],
        message: 'token algorithm not allowed',
      });
    }
  });

  it('rotates keys without a restart: a new key is taken within two seconds, a removed key is refused and its sockets closed with 4403', async () => {
    const next = await signingKey('RS256', 'rsa-2');
    const oldToken = await rsa.sign(CLAIMS);
    const socket = openSocket(hub.url, `Bearer ${oldToken}`);
    assert.equal(await socket.acked, true);
    await writeJwks(jwksPath, [next, ec]);
    assert.equal(
      await eventually(async () => accepted(await next.sign(CLAIMS)), 2000),
      true,
      'the new key is taken within two seconds',
    );
    assert.deepEqual(refusal(await gql(hub.url, EVENTS, {}, oldToken)), {
      codes: ['UNAUTHENTICATED'],
      message: 'token signing key unknown',
    });
    assert.deepEqual(await socket.closed, { code: 4403, reason: 'token signing key unknown' });
    assert.equal(await accepted(await ec.sign(CLAIMS)), true, 'the key that stayed still verifies');
    rsa = next;
  });

  it('keeps the last good keys, and logs an error, when the file is rewritten with something that is not a JWKS', async () => {
    const token = await rsa.sign(CLAIMS);
    for (const bad of ['{"keys": [', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), '']) {
      const errorsBefore = logLines.filter((line) => line.includes('keeping its last good version')).length;
      await writeFile(jwksPath, bad);
      assert.equal(
        await eventually(
          async () => logLines.filter((line) => line.includes('keeping its last good version')).length > errorsBefore,
          2000,
        ),
        true,
      );
      assert.equal(await accepted(token), true, JSON.stringify(bad));
    }
    await writeJwks(jwksPath, [rsa, ec]);
  });
});

describe('JWT configuration', () => {
  it('refuses to start with a JWKS file that is missing or holds a private or symmetric key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-jwks-bad-'));
    try {
      const key = await signingKey('ES256', 'ec-1');
      const cases = {
        missing: null,
        'a private key': { keys: [{ ...key.jwk, d: 'cHJpdmF0ZQ' }] },
        'an HMAC secret': { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
        'a key of another curve than ES256': { keys: [{ ...key.jwk, crv: 'P-384' }] },
      };
      for (const [what, content] of Object.entries(cases)) {
        const path = join(dir, `${what}.json`);
        if (content) await writeFile(path, JSON.stringify(content));
        const config = loadConfig({ HUB_JWT_JWKS_FILE: path });
        await assert.rejects(
          createHubAuthenticator(config, createLogger('silent')),
          (error: unknown) => error instanceof ConfigError && error.message.includes('HUB_JWT_JWKS_FILE'),
          what,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
