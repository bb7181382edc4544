import { importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import { watchFileValue, type WatchedFile } from './watched-file.ts';

/** The algorithms a JWKS key may serve: the asymmetric ones, so that no key in the file can be an HMAC secret. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

const jwkSchema = z
  .looseObject({
    kty: z.enum(['RSA', 'EC'], { error: 'must be "RSA" or "EC" (public keys for RS256 or ES256)' }),
    alg: z.enum(JWKS_ALGORITHMS, { error: 'must be RS256 or ES256 when given' }).optional(),
    kid: z.string().optional(),
  })
  // a private key here would mean the signing key was copied to every hub
  .refine((jwk) => !('d' in jwk), 'must be a public key (no "d")');
const jwksSchema = z.object({ keys: z.array(jwkSchema) });

/**
 * Parses a JWKS document and imports every key once, so that a key the hub
 * cannot use is refused when the file is read, not when a token arrives.
 */
export async function parseJwks(text: string): Promise<JSONWebKeySet> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('must be a JSON Web Key Set such as {"keys":[{"kty":"RSA","kid":"…","n":"…","e":"AQAB"}]}');
  }
  const result = jwksSchema.safeParse(json);
  if (!result.success) {
    throw new Error(
      result.error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`).join('; '),
    );
  }
  for (const [i, jwk] of result.data.keys.entries()) {
    const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : 'ES256');
    try {
      await importJWK(jwk as JWK, alg);
    } catch (error) {
      throw new Error(
        `keys.${i}: not a usable ${alg} public key (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  return result.data as JSONWebKeySet;
}

/** HUB_JWT_JWKS_FILE, read at start and again on every change; `onChange` gets each new good key set. */
export function watchJwksFile(
  path: string,
  log: Logger,
  onChange: (jwks: JSONWebKeySet) => void,
): Promise<WatchedFile<JSONWebKeySet>> {
  return watchFileValue({ path, parse: parseJwks, onChange, what: 'HUB_JWT_JWKS_FILE', log });
}
