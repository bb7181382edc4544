// Standard Webhooks signing: the spec's published example as a test vector, and rotation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newSecret, rotate, ROTATION_OVERLAP_MS, sign, signatureHeader } from '../../src/delivery/signature.ts';

describe('webhook signatures', () => {
  it("signs the Standard Webhooks spec's example to its published signature", () => {
    const signature = sign(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes secrets of whsec_ and 32 random bytes, never the same twice', () => {
    const a = newSecret();
    assert.match(a, /^whsec_/);
    assert.equal(Buffer.from(a.slice(6), 'base64').length, 32);
    assert.notEqual(a, newSecret());
  });

  it('signs with the replaced secret beside the new one until the overlap ends, then with the new one alone', () => {
    const now = 1_700_000_000_000;
    const secrets = rotate(
      rotate([{ secret: 'whsec_AAAA' }], 'whsec_BBBB', now - ROTATION_OVERLAP_MS * 2),
      'whsec_CCCC',
      now,
    );
    assert.deepEqual(
      secrets,
      [{ secret: 'whsec_CCCC' }, { secret: 'whsec_BBBB', expiresAt: now + ROTATION_OVERLAP_MS }],
      'only the current one is kept beside the new',
    );
    const header = (at: number) => signatureHeader(secrets, at, 'id', 1, 'body').split(' ');
    assert.deepEqual(header(now + ROTATION_OVERLAP_MS - 1), [
      sign('whsec_CCCC', 'id', 1, 'body'),
      sign('whsec_BBBB', 'id', 1, 'body'),
    ]);
    assert.deepEqual(header(now + ROTATION_OVERLAP_MS), [sign('whsec_CCCC', 'id', 1, 'body')]);
  });
});
