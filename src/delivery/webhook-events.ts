import type { PendingEvent } from '../events/event.ts';
import { systemEvent } from '../events/system-event.ts';
import type { WebhookDelivery, WebhookEndpoint } from './endpoint-store.ts';

export const WEBHOOK_DISABLED = 'system.webhook.disabled';

/**
 * `system.webhook.disabled` in the endpoint's tenant, from source SYSTEM
 * `webhooks`: the endpoint answered 410 Gone. Keyed by the delivery and its
 * attempt, so a process that repeats the step after a crash records it once.
 */
export function webhookDisabledEvent(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: Date): PendingEvent {
  const payload = {
    endpointId: endpoint.id,
    url: endpoint.url,
    reason: 'GONE',
    statusCode: delivery.lastStatusCode ?? null,
    eventId: delivery.eventId,
    deliveryId: delivery.id,
  };
  const metadata = {
    correlationId: endpoint.id,
    idempotencyKey: `webhook:${endpoint.id}:disabled:${delivery.id}:${delivery.attempts}`,
  };
  return systemEvent('webhooks', WEBHOOK_DISABLED, endpoint.tenantId, payload, metadata, now);
}
