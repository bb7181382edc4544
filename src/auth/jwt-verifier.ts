import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Scope } from '../config.ts';
import { unauthenticated } from '../errors.ts';
import { sha256Hex, type Principal } from '../server/auth.ts';
import { JWKS_ALGORITHMS } from './jwks-file.ts';
import { createTokenCache } from './token-cache.ts';

export interface JwtVerifierOptions {
  /** HS256 secret; unset, no HS256 token verifies. */
  secret?: string | undefined;
  /** RS256 and ES256 public keys; unset, no such token verifies. */
  jwks?: JSONWebKeySet | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** The claim holding the tenant id. */
  tenantClaim: string;
  clockToleranceS: number;
}

export interface JwtVerifier {
  /** The token's principal, or a rejection with UNAUTHENTICATED and a short reason (never the token). */
  verify(token: string): Promise<Principal>;
  /** Rotates the RS256/ES256 keys; tokens verified with the old ones are checked again. */
  setJwks(jwks: JSONWebKeySet): void;
}

/** Longer "tokens" are refused before any decoding: no issuer we serve mints them. */
const MAX_TOKEN_CHARS = 8192;
/** Verified tokens remembered at once. */
const CACHE_SIZE = 10_000;
/** The same rule as a tenant in HUB_API_KEYS. */
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KNOWN_SCOPES: ReadonlySet<string> = new Set(Object.values(Scope));

/**
 * JWT bearer tokens with jose. Each algorithm is tied to its key: HS256 only
 * to HUB_JWT_SECRET, RS256 and ES256 only to the JWKS keys (none of which is
 * an HMAC secret), so neither `alg: none` nor a token signed with a public
 * key as HMAC secret (algorithm confusion) verifies. Every token must expire.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const secret: KeyObject | undefined =
    options.secret === undefined ? undefined : createSecretKey(Buffer.from(options.secret, 'utf8'));
  let jwks = options.jwks && createLocalJWKSet(options.jwks);
  const algorithms = [...(secret ? ['HS256'] : []), ...(options.jwks ? JWKS_ALGORITHMS : [])];
  const getKey: JWTVerifyGetKey = (header, token) => {
    if (header.alg === 'HS256' && secret) return secret;
    if (header.alg !== 'HS256' && jwks) return jwks(header, token);
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  };
  const cache = createTokenCache(CACHE_SIZE);
  // bumped on rotation: a verification that began with the old keys is not cached
  let generation = 0;

  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_CHARS) throw unauthenticated('token too long');
      const digest = createHash('sha256').update(token).digest('base64');
      const cached = cache.get(digest, Date.now());
      if (cached) return cached;
      const started = generation;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms,
          requiredClaims: ['exp'],
          clockTolerance: options.clockToleranceS,
          ...(options.issuer !== undefined && { issuer: options.issuer }),
          ...(options.audience !== undefined && { audience: options.audience }),
        }));
      } catch (error) {
        throw unauthenticated(refusalReason(error));
      }
      const principal = principalOf(payload, options);
      if (generation === started) cache.set(digest, principal);
      return principal;
    },
    setJwks(next) {
      jwks = createLocalJWKSet(next);
      generation += 1;
      cache.clear();
    },
  };
}

function principalOf(payload: JWTPayload, { tenantClaim, clockToleranceS }: JwtVerifierOptions): Principal {
  const tenant = payload[tenantClaim];
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant))
    throw unauthenticated(`token has no valid "${tenantClaim}" claim`);
  const scopes = scopesOf(payload);
  if (scopes.size === 0) throw unauthenticated('token grants no scope of this hub');
  const subject = typeof payload.sub === 'string' ? payload.sub : '';
  return {
    tenantId: tenant,
    scopes,
    // bounded and printable: it goes into logs and audit events
    keyName: `jwt:${subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 64) || '-'}`,
    keyId: sha256Hex(`event-hub:jwt-id:${payload.iss ?? ''}\n${subject}`).slice(0, 16),
    // when this hub stops taking it: jose accepted it up to exp plus the tolerance
    expiresAt: payload.exp! * 1000 + clockToleranceS * 1000,
  };
}

/** OAuth's space-separated `scope`, or a `scopes` array; scopes this hub does not know are ignored. */
function scopesOf(payload: JWTPayload): Set<Scope> {
  const granted =
    typeof payload['scope'] === 'string'
      ? payload['scope'].split(' ')
      : Array.isArray(payload['scopes'])
        ? payload['scopes']
        : [];
  return new Set(granted.filter((scope): scope is Scope => typeof scope === 'string' && KNOWN_SCOPES.has(scope)));
}

/** What a client may learn about why its token was refused: the failed check, never the token or the key. */
function refusalReason(error: unknown): string {
  if (!(error instanceof errors.JOSEError)) return 'token invalid';
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token not yet valid';
    if (error.claim === 'iss') return 'token issuer not accepted';
    if (error.claim === 'aud') return 'token audience not accepted';
    if (error.claim === 'exp') return 'token has no valid exp claim';
    return `token claim "${error.claim}" invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signing key unknown';
  return 'token malformed';
}
