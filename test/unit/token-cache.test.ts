import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scope } from '../../src/config.ts';
import { createTokenCache } from '../../src/auth/token-cache.ts';
import type { Principal } from '../../src/server/auth.ts';

const principal = (sub: string, expiresAt: number): Principal => ({
  tenantId: 'acme',
  scopes: new Set([Scope.SUBSCRIBE]),
  keyName: `jwt:${sub}`,
  keyId: sub,
  expiresAt,
});

describe('token cache', () => {
  it('drops the least recently used token beyond its size', () => {
    const cache = createTokenCache(2);
    cache.set('a', principal('a', 2_000));
    cache.set('b', principal('b', 2_000));
    assert.equal(cache.get('a', 1_000)?.keyId, 'a'); // a is now the most recently used
    cache.set('c', principal('c', 2_000));
    assert.equal(cache.get('b', 1_000), undefined);
    assert.equal(cache.get('a', 1_000)?.keyId, 'a');
    assert.equal(cache.get('c', 1_000)?.keyId, 'c');
  });

  it('answers a token only until it expires, and forgets everything on clear', () => {
    const cache = createTokenCache(10);
    cache.set('a', principal('a', 2_000));
    cache.set('b', principal('b', 5_000));
    assert.equal(cache.get('a', 1_999)?.keyId, 'a');
    assert.equal(cache.get('a', 2_000), undefined);
    assert.equal(cache.get('a', 1_000), undefined, 'an expired token is dropped, not kept for an earlier clock');
    cache.clear();
    assert.equal(cache.get('b', 1_000), undefined);
  });

  it('keeps the newest 10,000 of 30,000 tokens', () => {
    const cache = createTokenCache(10_000);
    for (let i = 0; i < 30_000; i++) cache.set(`t${i}`, principal(`t${i}`, 2_000));
    assert.equal(cache.get('t19999', 1_000), undefined);
    assert.equal(cache.get('t20000', 1_000)?.keyId, 't20000');
    assert.equal(cache.get('t29999', 1_000)?.keyId, 't29999');
  });
});
