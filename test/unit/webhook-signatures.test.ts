// The webhook verifiers against the published examples: the Standard Webhooks libraries' signing
// vector and GitHub's documented example, with the clock set to the vector's timestamp.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { standardSecretKey, verifyGithub, verifyStandard } from '../../src/doors/webhooks/webhook-signatures.ts';

/** The Standard Webhooks test vector (libraries' sign tests: Go, Python, JavaScript). */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const vectorHeaders = (overrides: Record<string, string> = {}) => ({
  'webhook-id': VECTOR.id,
  'webhook-timestamp': String(VECTOR.timestamp),
  'webhook-signature': VECTOR.signature,
  ...overrides,
});
const key = standardSecretKey(VECTOR.secret)!;
const at = (seconds: number) => seconds * 1000;

/** GitHub's documented example (Validating webhook deliveries). */
const GITHUB = {
  secret: "It's a Secret to Everybody",
  payload: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};

describe('Standard Webhooks verifier', () => {
  it('verifies the published test vector with the clock at its timestamp', () => {
    assert.deepEqual(verifyStandard(vectorHeaders(), Buffer.from(VECTOR.payload), [key], at(VECTOR.timestamp)), {
      verified: true,
      deliveryId: VECTOR.id,
    });
  });

  it('verifies when any of several space-separated signatures matches, and with any of several secrets', () => {
    const other = standardSecretKey(`whsec_${Buffer.alloc(32, 7).toString('base64')}`)!;
    const headers = vectorHeaders({ 'webhook-signature': `v1,AAAA v1a,ignored ${VECTOR.signature}` });
    assert.equal(
      verifyStandard(headers, Buffer.from(VECTOR.payload), [other, key], at(VECTOR.timestamp)).verified,
      true,
    );
  });

  it('refuses a changed body, id or timestamp, another secret, and a signature of another version', () => {
    const body = Buffer.from(VECTOR.payload);
    const now = at(VECTOR.timestamp);
    assert.equal(verifyStandard(vectorHeaders(), Buffer.from('{"test": 2432232315}'), [key], now).verified, false);
    assert.equal(verifyStandard(vectorHeaders({ 'webhook-id': 'msg_other' }), body, [key], now).verified, false);
    assert.equal(
      verifyStandard(vectorHeaders({ 'webhook-timestamp': String(VECTOR.timestamp + 1) }), body, [key], now).verified,
      false,
    );
    assert.equal(verifyStandard(vectorHeaders(), body, [Buffer.alloc(24, 1)], now).verified, false);
    assert.equal(
      verifyStandard(vectorHeaders({ 'webhook-signature': VECTOR.signature.replace('v1,', 'v2,') }), body, [key], now)
        .verified,
      false,
    );
  });

  it('refuses a timestamp more than five minutes from the clock, either way, and missing headers', () => {
    const body = Buffer.from(VECTOR.payload);
    assert.equal(verifyStandard(vectorHeaders(), body, [key], at(VECTOR.timestamp + 300)).verified, true);
    const stale = verifyStandard(vectorHeaders(), body, [key], at(VECTOR.timestamp + 301));
    assert.deepEqual(stale, { verified: false, reason: 'webhook-timestamp is more than 5 minutes from the hub clock' });
    assert.equal(verifyStandard(vectorHeaders(), body, [key], at(VECTOR.timestamp - 301)).verified, false);
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers: Record<string, string> = vectorHeaders();
      delete headers[header];
      assert.equal(verifyStandard(headers, body, [key], at(VECTOR.timestamp)).verified, false, header);
    }
  });

  it('takes whsec_ secrets of 24 to 64 bytes only', () => {
    assert.equal(standardSecretKey(VECTOR.secret)?.length, 24);
    assert.equal(standardSecretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), null, 'no prefix');
    assert.equal(standardSecretKey(`whsec_${Buffer.alloc(16).toString('base64')}`), null, 'too short');
    assert.equal(standardSecretKey(`whsec_${Buffer.alloc(65).toString('base64')}`), null, 'too long');
  });
});

describe('GitHub verifier', () => {
  it("verifies GitHub's documented example and names the delivery", () => {
    const headers = {
      'x-hub-signature-256': GITHUB.signature,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    };
    assert.deepEqual(verifyGithub(headers, Buffer.from(GITHUB.payload), [Buffer.from(GITHUB.secret)]), {
      verified: true,
      deliveryId: headers['x-github-delivery'],
    });
  });

  it('refuses another body, another secret, a malformed or missing header', () => {
    const secret = [Buffer.from(GITHUB.secret)];
    assert.equal(
      verifyGithub({ 'x-hub-signature-256': GITHUB.signature }, Buffer.from('Hello, World?'), secret).verified,
      false,
    );
    assert.equal(
      verifyGithub({ 'x-hub-signature-256': GITHUB.signature }, Buffer.from(GITHUB.payload), [
        Buffer.from('another secret!!'),
      ]).verified,
      false,
    );
    assert.equal(
      verifyGithub({ 'x-hub-signature-256': GITHUB.signature.slice(0, -2) }, Buffer.from(GITHUB.payload), secret)
        .verified,
      false,
    );
    assert.equal(verifyGithub({ 'x-hub-signature': 'sha1=abc' }, Buffer.from(GITHUB.payload), secret).verified, false);
  });
});
