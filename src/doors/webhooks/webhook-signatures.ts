import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** How far a Standard Webhooks `webhook-timestamp` may be from the hub's clock, either way: replays older than this are refused. */
export const TOLERANCE_S = 5 * 60;

/** Whether a delivery is signed by one of its source's secrets; a refusal says why in a few words, never quoting a secret or signature. */
export type Verdict = { verified: true; deliveryId: string | undefined } | { verified: false; reason: string };

const refuse = (reason: string): Verdict => ({ verified: false, reason });

/**
 * Standard Webhooks (symmetric, `v1`): `webhook-signature` holds one or more space-separated
 * `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, made with a secret
 * `whsec_<base64>`; any offered signature made with any of `secrets` verifies (rotation). The
 * timestamp must be within TOLERANCE_S of `nowMs`. The body is the bytes received, never re-serialized.
 */
export function verifyStandard(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secrets: readonly Buffer[],
  nowMs: number,
): Verdict {
  const id = single(headers['webhook-id']);
  const timestamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (!id || !timestamp || !signatures)
    return refuse('webhook-id, webhook-timestamp and webhook-signature headers are required');
  if (!/^[0-9]{1,12}$/.test(timestamp)) return refuse('webhook-timestamp is not a Unix time in seconds');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_S)
    return refuse('webhook-timestamp is more than 5 minutes from the hub clock');
  const offered = signatures.split(' ').flatMap((part) => {
    const comma = part.indexOf(',');
    return comma > 0 && part.slice(0, comma) === 'v1' ? [Buffer.from(part.slice(comma + 1), 'base64')] : [];
  });
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  return anyMatches(offered, secrets, signed)
    ? { verified: true, deliveryId: id }
    : refuse('no v1 signature verifies with a secret of this source');
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with the webhook's secret;
 * `X-GitHub-Delivery` names the delivery (a redelivery keeps it). GitHub signs no timestamp, so a
 * captured delivery can be replayed: its delivery id then answers DUPLICATE.
 */
export function verifyGithub(headers: IncomingHttpHeaders, body: Buffer, secrets: readonly Buffer[]): Verdict {
  const header = single(headers['x-hub-signature-256']);
  if (!header) return refuse('the X-Hub-Signature-256 header is required');
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header);
  if (!match) return refuse('X-Hub-Signature-256 is not sha256=<64 hex digits>');
  const verified = anyMatches([Buffer.from(match[1]!, 'hex')], secrets, body);
  return verified
    ? { verified: true, deliveryId: single(headers['x-github-delivery']) }
    : refuse('the signature does not verify with a secret of this source');
}

/** Every secret's digest against every offered signature, compared in constant time. */
function anyMatches(offered: readonly Buffer[], secrets: readonly Buffer[], signed: Buffer): boolean {
  let verified = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(signed).digest();
    for (const signature of offered) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected)) verified = true;
    }
  }
  return verified;
}

/** The raw key of a `whsec_<base64>` secret: 24 to 64 bytes, as the Standard Webhooks spec asks. */
export function standardSecretKey(secret: string): Buffer | null {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const key = match ? Buffer.from(match[1]!, 'base64') : null;
  return key && key.length >= 24 && key.length <= 64 ? key : null;
}

const single = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
