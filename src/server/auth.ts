import { hash } from 'node:crypto';
import { Scope, type ApiKeyConfig } from '../config.ts';
import type { JwtVerifier } from '../auth/jwt-verifier.ts';
import { ErrorCode, forbidden, isHubError, unauthenticated } from '../errors.ts';

/** Who is calling: always derived from credentials, never from the request body. */
export interface Principal {
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  /** Names the key in logs without revealing it; `jwt:<sub>` for a token. */
  keyName: string;
  /**
   * The key's fingerprint: 16 hex characters of a SHA-256 over its digest, the same on every
   * process that has the key. Names the key where a stable id is needed (rate-limit buckets in
   * Redis) without revealing the key or its digest. For a token: a hash of its issuer and subject.
   */
  keyId: string;
  /** The key's own publish limit in events per second (0 = none), overriding HUB_RATE_LIMIT; unset = the default. */
  rateLimit?: number | undefined;
  /** For a JWT: when (ms since the epoch) this hub stops accepting it; a socket it opened is closed then. Unset for API keys. */
  expiresAt?: number | undefined;
}

export interface Authenticator {
  /** True when no credentials are configured (no API keys, no key file, no JWT) and everyone is tenant "default". */
  readonly open: boolean;
  /**
   * Resolves an `Authorization` value (`Bearer <API key or JWT>`) to a principal, or to null when
   * it is missing, names no key, or is a token that fails verification.
   */
  authenticate(authorization: string | null | undefined): Promise<Principal | null>;
  /** Like `authenticate`, and when a presented token is refused, says why in a few words (`token expired`), never quoting it. */
  identify(authorization: string | null | undefined): Promise<Identity>;
  /**
   * Calls `listener` whenever the credentials change (key file rewritten, JWKS rotated): a
   * principal handed out before may no longer hold. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
}

/** A principal, or none and, for a refused token, the reason. */
export interface Identity {
  principal: Principal | null;
  refusal?: string | undefined;
}

export interface AuthenticatorOptions {
  /** Verifies JWT bearer tokens; without it, a token-shaped credential is looked up as an API key only. */
  jwt?: JwtVerifier | undefined;
  /** Whether no credential is needed; default: no keys and no `jwt`. A key file is never open, even empty. */
  open?: boolean;
}

/** An authenticator whose API keys can be replaced while it serves (HUB_API_KEYS_FILE). */
export interface KeyedAuthenticator extends Authenticator {
  /** Puts `keys` in force from the next `authenticate` on and tells the change listeners. */
  replaceKeys(keys: readonly ApiKeyConfig[]): void;
  /** Tells the change listeners that something other than the keys changed (JWKS rotated). */
  changed(): void;
}

const ALL_SCOPES: ReadonlySet<Scope> = new Set(Object.values(Scope));
const OPEN_PRINCIPAL: Principal = { tenantId: 'default', scopes: ALL_SCOPES, keyName: 'open', keyId: 'open' };
/** Three base64url segments: a JWS in compact form (the last is empty for `alg: none`, which must reach the verifier to be refused). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** One-shot `hash`: on every request, and several times cheaper than a Hash object. */
export const sha256Hex = (key: string): string => hash('sha256', key, 'hex');

/** A key's id from its digest; hashed again so that what is stored or logged is not the digest that authenticates. */
const keyFingerprint = (digest: string): string => sha256Hex(`event-hub:key-id:${digest}`).slice(0, 16);

function keyTable(keys: readonly ApiKeyConfig[]): Map<string, Principal> {
  const byDigest = new Map<string, Principal>();
  keys.forEach((key, i) => {
    const digest = key.sha256?.toLowerCase() ?? sha256Hex(key.key!);
    byDigest.set(digest, {
      tenantId: key.tenant,
      scopes: new Set(key.scopes),
      keyName: key.name ?? `key#${i + 1}`,
      keyId: keyFingerprint(digest),
      rateLimit: key.rateLimit,
    });
  });
  return byDigest;
}

/**
 * API keys are kept only as SHA-256 digests; a lookup hashes the presented
 * key. A credential that names no key and has a JWT's shape goes to `jwt`:
 * looking the key up first costs one hash and keeps any key working whatever
 * its shape.
 */
export function createAuthenticator(
  keys: readonly ApiKeyConfig[],
  { jwt, open = keys.length === 0 && !jwt }: AuthenticatorOptions = {},
): KeyedAuthenticator {
  let byDigest = keyTable(keys);
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const identify = async (authorization: string | null | undefined): Promise<Identity> => {
    if (open) return { principal: OPEN_PRINCIPAL };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { principal: null };
    const credential = match[1]!;
    const principal = byDigest.get(sha256Hex(credential));
    if (principal) return { principal };
    if (!jwt || !JWT_SHAPE.test(credential)) return { principal: null };
    try {
      return { principal: await jwt.verify(credential) };
    } catch (error) {
      // the verifier refuses with a coded reason; anything else is a bug and propagates
      if (isHubError(error) && error.code === ErrorCode.UNAUTHENTICATED)
        return { principal: null, refusal: error.message };
      throw error;
    }
  };
  return {
    open,
    identify,
    authenticate: async (authorization) => (await identify(authorization)).principal,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    replaceKeys(next) {
      byDigest = keyTable(next);
      changed();
    },
    changed,
  };
}

/** Throws UNAUTHENTICATED without a principal, FORBIDDEN without the scope; `admin` grants every scope. */
export function requireScope(principal: Principal | null, scope: Scope): Principal {
  if (!principal) throw unauthenticated();
  if (!principal.scopes.has(scope) && !principal.scopes.has(Scope.ADMIN)) throw forbidden(scope);
  return principal;
}
