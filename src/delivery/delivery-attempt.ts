import type { HubEvent } from '../events/event.ts';
import { cloudEventOf } from './cloud-event.ts';
import { DeliveryStatus, type WebhookDelivery, type WebhookEndpoint } from './endpoint-store.ts';
import type { PostResult, WebhookClient } from './http-sender.ts';
import { signatureHeader } from './signature.ts';

/** What one attempt did: the delivery as it is to be saved, and whether the endpoint said it is gone (410). */
export interface AttemptOutcome {
  delivery: WebhookDelivery;
  gone: boolean;
}

/** The request of one attempt: the CloudEvent body and the Standard Webhooks headers, signed with every secret that signs now. */
export function webhookRequest(
  endpoint: WebhookEndpoint,
  event: HubEvent,
  now: number,
): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(cloudEventOf(event));
  const timestamp = Math.floor(now / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'user-agent': 'event-hub-webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(endpoint.secrets, now, event.id, timestamp, body),
    },
  };
}

/** Sends `event` once and says what became of its delivery. */
export async function attemptDelivery(
  endpoint: WebhookEndpoint,
  delivery: WebhookDelivery,
  event: HubEvent,
  client: WebhookClient,
  backoffMs: readonly number[],
  signal: AbortSignal,
  now: () => number,
): Promise<AttemptOutcome & { result: PostResult }> {
  const { headers, body } = webhookRequest(endpoint, event, now());
  const result = await client.post(endpoint.url, headers, body, signal);
  return { ...afterAttempt(delivery, result, backoffMs, now()), result };
}

/**
 * The delivery after an attempt: DELIVERED on a 2xx; on anything else FAILED
 * and due again after the backoff of its attempt count, or DEAD once the
 * backoff list is used up (so `backoffMs.length + 1` attempts in all). A 410
 * is `gone`: the endpoint is disabled and the delivery waits, due at once, for
 * it to be enabled again.
 */
export function afterAttempt(
  delivery: WebhookDelivery,
  result: PostResult,
  backoffMs: readonly number[],
  now: number,
): AttemptOutcome {
  const { nextAttemptAt: _due, lastStatusCode: _code, ...rest } = delivery;
  const attempts = delivery.attempts + 1;
  const seen = {
    ...rest,
    attempts,
    ...(result.statusCode !== undefined && { lastStatusCode: result.statusCode }),
    lastLatencyMs: result.latencyMs,
    lastResponse: result.response,
    updatedAt: new Date(now),
  };
  const code = result.statusCode ?? 0;
  if (code >= 200 && code < 300) return { delivery: { ...seen, status: DeliveryStatus.DELIVERED }, gone: false };
  if (code === 410)
    return { delivery: { ...seen, status: DeliveryStatus.FAILED, nextAttemptAt: new Date(now) }, gone: true };
  const wait = backoffMs[attempts - 1];
  if (wait === undefined) return { delivery: { ...seen, status: DeliveryStatus.DEAD }, gone: false };
  return { delivery: { ...seen, status: DeliveryStatus.FAILED, nextAttemptAt: new Date(now + wait) }, gone: false };
}
