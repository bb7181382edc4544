import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createAuthenticator, type Authenticator, type KeyedAuthenticator } from '../server/auth.ts';
import { watchApiKeyFile } from './api-key-file.ts';
import { watchJwksFile } from './jwks-file.ts';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.ts';
import type { WatchedFile } from './watched-file.ts';

export type AuthConfig = Pick<
  Config,
  | 'HUB_API_KEYS'
  | 'HUB_API_KEYS_FILE'
  | 'HUB_JWT_SECRET'
  | 'HUB_JWT_JWKS_FILE'
  | 'HUB_JWT_ISSUER'
  | 'HUB_JWT_AUDIENCE'
  | 'HUB_JWT_TENANT_CLAIM'
  | 'HUB_JWT_CLOCK_TOLERANCE_S'
>;

export interface HubAuthenticator {
  auth: Authenticator;
  /** Stops watching the key and JWKS files. */
  close(): void;
}

/**
 * The hub's authenticator from its configuration: API keys from HUB_API_KEYS
 * or HUB_API_KEYS_FILE, and JWTs when HUB_JWT_SECRET or HUB_JWT_JWKS_FILE is
 * set. The files are read before it serves (a missing or invalid one throws a
 * ConfigError) and again whenever they change.
 */
export async function createHubAuthenticator(config: AuthConfig, log: Logger): Promise<HubAuthenticator> {
  const files: WatchedFile<unknown>[] = [];
  const closeFiles = () => {
    for (const file of files) file.close();
  };
  // set once both files are read; a change that lands before is in their `current`
  let auth: KeyedAuthenticator | undefined;
  let verifier: JwtVerifier | undefined;
  try {
    const keyFile =
      config.HUB_API_KEYS_FILE === undefined
        ? undefined
        : await watchApiKeyFile(config.HUB_API_KEYS_FILE, log, (keys) => auth?.replaceKeys(keys));
    if (keyFile) files.push(keyFile);
    const jwksFile =
      config.HUB_JWT_JWKS_FILE === undefined
        ? undefined
        : await watchJwksFile(config.HUB_JWT_JWKS_FILE, log, (jwks) => {
            verifier?.setJwks(jwks);
            auth?.changed();
          });
    if (jwksFile) files.push(jwksFile);
    if (config.HUB_JWT_SECRET !== undefined || jwksFile) {
      verifier = createJwtVerifier({
        secret: config.HUB_JWT_SECRET,
        jwks: jwksFile?.current,
        issuer: config.HUB_JWT_ISSUER,
        audience: config.HUB_JWT_AUDIENCE,
        tenantClaim: config.HUB_JWT_TENANT_CLAIM,
        clockToleranceS: config.HUB_JWT_CLOCK_TOLERANCE_S,
      });
    }
    const keys = keyFile?.current ?? config.HUB_API_KEYS;
    auth = createAuthenticator(keys, { jwt: verifier, open: keys.length === 0 && !keyFile && !verifier });
    return { auth, close: closeFiles };
  } catch (error) {
    closeFiles();
    throw error;
  }
}
