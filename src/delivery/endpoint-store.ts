import { createHash } from 'node:crypto';

/**
 * Webhook endpoints and their deliveries: what the delivery runtime reads and
 * writes, and what `webhookEndpoints` / `webhookDeliveries` show.
 */
export const EndpointStatus = { ENABLED: 'ENABLED', DISABLED: 'DISABLED' } as const;
export type EndpointStatus = (typeof EndpointStatus)[keyof typeof EndpointStatus];

/** PENDING: not tried yet; FAILED: tried, to be tried again at `nextAttemptAt`; DELIVERED and DEAD are final (DEAD until redriven). */
export const DeliveryStatus = { PENDING: 'PENDING', DELIVERED: 'DELIVERED', FAILED: 'FAILED', DEAD: 'DEAD' } as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** The statuses the runtime still has work for. */
export const OPEN_STATUSES: readonly DeliveryStatus[] = [DeliveryStatus.PENDING, DeliveryStatus.FAILED];

/** A signing secret (`whsec_` + base64); `expiresAt` set on one a rotation replaced, which signs beside the new one until then. */
export interface SigningSecret {
  secret: string;
  /** Milliseconds since the epoch; absent on the current secret. */
  expiresAt?: number;
}

export interface WebhookEndpoint {
  /** A UUIDv7. */
  id: string;
  tenantId: string;
  url: string;
  description: string;
  /** The EventFilter as given (absent fields left out, dates as ISO strings), compiled at creation and again by the runtime. */
  filter: Record<string, unknown>;
  /** True: a tenant's events one at a time in position order; false: up to HUB_WEBHOOK_CONCURRENCY at once. */
  ordered: boolean;
  /** Deliveries per second to this endpoint; 0 means no limit. */
  rateLimit: number;
  status: EndpointStatus;
  createdAt: Date;
  /** The secrets that sign, current first. Never shown after creation or rotation. */
  secrets: SigningSecret[];
}

/** What `updateEndpoint` may change. */
export type EndpointPatch = Partial<
  Pick<WebhookEndpoint, 'url' | 'description' | 'filter' | 'ordered' | 'rateLimit' | 'status' | 'secrets'>
>;

export interface WebhookDelivery {
  /** `deliveryId(endpointId, eventId)`: one delivery per endpoint and event, whichever process enqueues it. */
  id: string;
  tenantId: string;
  endpointId: string;
  eventId: string;
  position: number;
  status: DeliveryStatus;
  /** Attempts made since it was enqueued (or redriven, or replayed). */
  attempts: number;
  /** HTTP status of the last answer; absent when there was none (timeout, refused connection, refused address). */
  lastStatusCode?: number;
  lastLatencyMs?: number;
  /** The first 1 KB of the last answer's body, or why there was no answer. */
  lastResponse?: string;
  /** When it is due (PENDING, FAILED); absent once final. */
  nextAttemptAt?: Date;
  updatedAt: Date;
}

export interface DeliveryQuery {
  status?: DeliveryStatus | undefined;
  first: number;
  /** A position from an earlier page: the page continues with lower positions. */
  after?: number | undefined;
}

export interface DeliveryPage {
  /** Newest event first (by position). */
  deliveries: WebhookDelivery[];
  hasNextPage: boolean;
}

/** What a replay asks to send again. */
export interface RequeueItem {
  eventId: string;
  position: number;
}

/**
 * The delivery runtime's state (endpoints, per-endpoint checkpoints, the
 * deliveries queue) in the hub's store. Every call a client can reach is
 * scoped to one tenant: another tenant's ids find nothing. Calls by endpoint
 * id alone are the runtime's, which takes the id from a tenant's endpoint.
 * Deliveries and the checkpoint of an endpoint are written only by the
 * holder of its lease, except `redrive` and `requeue`, which only make
 * deliveries due again.
 */
export interface EndpointStore {
  /** Stores a new endpoint (its id is new). */
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** The tenant's endpoint, or null. */
  endpoint(tenantId: string, id: string): Promise<WebhookEndpoint | null>;
  /** The tenant's endpoints, oldest first. */
  endpoints(tenantId: string): Promise<WebhookEndpoint[]>;
  /** Applies `patch` to the tenant's endpoint and returns it as it is now; null when there is none. */
  updateEndpoint(tenantId: string, id: string, patch: EndpointPatch): Promise<WebhookEndpoint | null>;
  /** Removes the tenant's endpoint with its deliveries and checkpoint; false when there was none. */
  deleteEndpoint(tenantId: string, id: string): Promise<boolean>;
  /** ENABLED endpoints of every tenant, at most `limit`, oldest first: the only call across tenants, for the runtime. */
  enabledEndpoints(limit: number): Promise<WebhookEndpoint[]>;

  /** The last position whose matching events are enqueued for the endpoint (0 before any). */
  checkpoint(endpointId: string): Promise<number>;
  saveCheckpoint(endpointId: string, position: number): Promise<void>;

  /** Adds deliveries; one that exists already (same id) is left as it is, so enqueuing again after a crash changes nothing. */
  enqueue(deliveries: readonly WebhookDelivery[]): Promise<void>;
  /**
   * Makes these events of the tenant's endpoint due again (a replay): each
   * delivery is added, or reset to PENDING with no attempts, whatever its
   * status. Returns how many it queued.
   */
  requeue(tenantId: string, endpointId: string, items: readonly RequeueItem[], now: Date): Promise<number>;
  /**
   * PENDING and FAILED deliveries of the endpoint in position order, at most
   * `limit`; with `dueBy` only those whose `nextAttemptAt` is not after it.
   */
  open(endpointId: string, query: { limit: number; dueBy?: Date }): Promise<WebhookDelivery[]>;
  /** How many PENDING and FAILED deliveries the endpoint has, counting at most to `limit`. */
  countOpen(endpointId: string, limit: number): Promise<number>;
  /** Replaces a delivery after an attempt. */
  saveDelivery(delivery: WebhookDelivery): Promise<void>;
  /** The tenant's deliveries to one of its endpoints, newest event first. */
  deliveries(tenantId: string, endpointId: string, query: DeliveryQuery): Promise<DeliveryPage>;
  /**
   * Makes the tenant's DEAD deliveries PENDING again with no attempts; says
   * how many and the endpoints they belong to (each once). Other tenants'
   * ids, unknown ids and deliveries that are not DEAD are left alone.
   */
  redrive(tenantId: string, ids: readonly string[], now: Date): Promise<{ queued: number; endpointIds: string[] }>;
  /** Drops up to `limit` DELIVERED deliveries last updated before `before`; returns how many. */
  dropDelivered(before: Date, limit: number): Promise<number>;

  close(): Promise<void>;
}

/**
 * The id of the one delivery of an event to an endpoint: a UUIDv8 (RFC 9562)
 * from a SHA-256 of the two, so every process derives the same id and an
 * insert decides who enqueued it.
 */
export function deliveryId(endpointId: string, eventId: string): string {
  const bytes = createHash('sha256')
    .update(JSON.stringify([endpointId, eventId]))
    .digest()
    .subarray(0, 16);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A new delivery of `event` to `endpoint`, due now. */
export function newDelivery(
  endpoint: Pick<WebhookEndpoint, 'id' | 'tenantId'>,
  event: RequeueItem,
  now: Date,
): WebhookDelivery {
  return {
    id: deliveryId(endpoint.id, event.eventId),
    tenantId: endpoint.tenantId,
    endpointId: endpoint.id,
    eventId: event.eventId,
    position: event.position,
    status: DeliveryStatus.PENDING,
    attempts: 0,
    nextAttemptAt: now,
    updatedAt: now,
  };
}
