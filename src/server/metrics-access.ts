import { createHash, timingSafeEqual } from 'node:crypto';
import { Scope } from '../config.ts';
import type { Authenticator } from './auth.ts';

/** 200: serve; 401: no or unknown credentials; 403: a key without the admin scope. */
export type MetricsAccess = 200 | 401 | 403;

export interface MetricsAccessOptions {
  /** HUB_METRICS_TOKEN: Prometheus's bearer token. */
  token: string | undefined;
  auth: Authenticator;
}

/**
 * Who may read /metrics, which names tenants and what they did. With API keys configured never
 * anyone: the metrics token or a key with the `admin` scope. Without keys, the token when one is
 * set, else everyone (the embedded default, as open as the rest of such a hub).
 */
export function createMetricsAccess({
  token,
  auth,
}: MetricsAccessOptions): (authorization: string | undefined) => Promise<MetricsAccess> {
  const tokenDigest = token === undefined ? null : digest(token);
  return async (authorization) => {
    if (auth.open && tokenDigest === null) return 200;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (bearer === undefined) return 401;
    // digests of equal length, compared in constant time: the answer tells nothing about how much of the token matched
    if (tokenDigest !== null && timingSafeEqual(digest(bearer), tokenDigest)) return 200;
    if (auth.open) return 401; // without keys every bearer is the open principal: only the token counts
    const principal = await auth.authenticate(authorization);
    if (principal === null) return 401;
    return principal.scopes.has(Scope.ADMIN) ? 200 : 403;
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
