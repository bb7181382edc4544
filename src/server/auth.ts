import { createHash } from 'node:crypto';
import { Scope, type ApiKeyConfig } from '../config.ts';
import { forbidden, unauthenticated } from '../errors.ts';

/** Who is calling: always derived from credentials, never from the request body. */
export interface Principal {
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  /** Names the key in logs without revealing it. */
  keyName: string;
  /**
   * The key's fingerprint: 16 hex characters of a SHA-256 over its digest, the same on every
   * process that has the key. Names the key where a stable id is needed (rate-limit buckets in
   * Redis) without revealing the key or its digest.
   */
  keyId: string;
  /** The key's own publish limit in events per second (0 = none), overriding HUB_RATE_LIMIT; unset = the default. */
  rateLimit?: number | undefined;
}

export interface Authenticator {
  /** True when no keys are configured and everyone is tenant "default". */
  readonly open: boolean;
  /** Resolves an `Authorization` value (`Bearer <key>`) to a principal, or null when missing or unknown. */
  authenticate(authorization: string | null | undefined): Principal | null;
}

const ALL_SCOPES: ReadonlySet<Scope> = new Set(Object.values(Scope));
const OPEN_PRINCIPAL: Principal = { tenantId: 'default', scopes: ALL_SCOPES, keyName: 'open', keyId: 'open' };

export const sha256Hex = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A key's id from its digest; hashed again so that what is stored or logged is not the digest that authenticates. */
const keyFingerprint = (digest: string): string => sha256Hex(`event-hub:key-id:${digest}`).slice(0, 16);

/** Keys are kept only as SHA-256 digests; a lookup hashes the presented key. */
export function createAuthenticator(keys: readonly ApiKeyConfig[]): Authenticator {
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
  const open = byDigest.size === 0;
  return {
    open,
    authenticate(authorization) {
      if (open) return OPEN_PRINCIPAL;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      return match ? (byDigest.get(sha256Hex(match[1]!)) ?? null) : null;
    },
  };
}

/** Throws UNAUTHENTICATED without a principal, FORBIDDEN without the scope; `admin` grants every scope. */
export function requireScope(principal: Principal | null, scope: Scope): Principal {
  if (!principal) throw unauthenticated();
  if (!principal.scopes.has(scope) && !principal.scopes.has(Scope.ADMIN)) throw forbidden(scope);
  return principal;
}
