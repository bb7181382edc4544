import { createHmac, randomBytes } from 'node:crypto';
import type { SigningSecret } from './endpoint-store.ts';

/** How long a secret replaced by a rotation keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

const PREFIX = 'whsec_';

/** A new signing secret in the Standard Webhooks format: `whsec_` and 32 random bytes in base64. */
export const newSecret = (): string => `${PREFIX}${randomBytes(32).toString('base64')}`;

/**
 * The Standard Webhooks signature of one message: `v1,` and the base64
 * HMAC-SHA256, keyed with the secret's decoded bytes, of `id.timestamp.body`.
 */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The secrets that sign at `now`: the current one, and one a rotation replaced until its overlap ends. */
export const signingSecrets = (secrets: readonly SigningSecret[], now: number): SigningSecret[] =>
  secrets.filter((secret) => secret.expiresAt === undefined || secret.expiresAt > now);

/** The `webhook-signature` header: one signature per secret that signs, space-separated, as the spec allows. */
export const signatureHeader = (
  secrets: readonly SigningSecret[],
  now: number,
  id: string,
  timestamp: number,
  body: string,
): string =>
  signingSecrets(secrets, now)
    .map(({ secret }) => sign(secret, id, timestamp, body))
    .join(' ');

/** The secrets after a rotation: `fresh` first; the one it replaces signs beside it for ROTATION_OVERLAP_MS; older ones go. */
export function rotate(secrets: readonly SigningSecret[], fresh: string, now: number): SigningSecret[] {
  const current = secrets.find((secret) => secret.expiresAt === undefined);
  return [{ secret: fresh }, ...(current ? [{ secret: current.secret, expiresAt: now + ROTATION_OVERLAP_MS }] : [])];
}
