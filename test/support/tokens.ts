import { writeFile, rename } from 'node:fs/promises';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** An HS256 secret of the length the hub asks for. */
export const TEST_JWT_SECRET = 'test-hs256-secret-of-at-least-32-characters';
export const TEST_ISSUER = 'https://issuer.test';
export const TEST_AUDIENCE = 'event-hub';

export interface TokenOptions {
  /** Seconds from now; negative for a token already expired; null for none. */
  expiresIn?: number | null;
  /** Seconds from now the token becomes valid. */
  notBefore?: number;
  issuer?: string;
  audience?: string;
  subject?: string;
}

/** A token for `claims` (tenant, scope...) with the test issuer and audience, valid for a minute unless told otherwise. */
export function sign(
  claims: JWTPayload,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string },
  options: TokenOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader(header)
    .setIssuedAt(now)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setSubject(options.subject ?? 'user-1');
  const expiresIn = options.expiresIn === undefined ? 60 : options.expiresIn;
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(key);
}

/** An HS256 token signed with TEST_JWT_SECRET (or `secret`). */
export const hs256 = (claims: JWTPayload, options: TokenOptions & { secret?: string } = {}) =>
  sign(claims, new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET), { alg: 'HS256' }, options);

/** A signing key pair and its public JWK (with `kid` and `alg`) for a JWKS file. */
export interface TestSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
  sign(claims: JWTPayload, options?: TokenOptions): Promise<string>;
}

export async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk, sign: (claims, options) => sign(claims, privateKey, { alg, kid }, options) };
}

/** Writes a JWKS the way deploy tools do: a new file renamed over the old one. */
export async function writeJwks(path: string, keys: readonly TestSigningKey[]): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify({ keys: keys.map((key) => key.jwk) }));
  await rename(`${path}.tmp`, path);
}

/** An unsigned token (`alg: none`), which no hub may accept. */
export function unsecured(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', exp: now + 60, ...claims })}.`;
}
