import { badInput, ErrorCode, HubError } from '../errors.ts';
import { isEventId, newEventId } from '../events/ids.ts';
import type { EventFilter } from '../filter/index.ts';
import { toFilterJson } from '../replay/replay-input.ts';
import { checkWebhookUrl } from './address-guard.ts';
import type { DeliveryRuntime } from './delivery-runtime.ts';
import type {
  DeliveryPage,
  DeliveryQuery,
  EndpointPatch,
  EndpointStatus,
  EndpointStore,
  RequeueItem,
  WebhookEndpoint,
} from './endpoint-store.ts';
import { newSecret, rotate } from './signature.ts';

/** `createWebhookEndpoint`'s input as GraphQL hands it over (absent fields may be null). */
export interface EndpointInput {
  url?: string | null | undefined;
  filter?: EventFilter | null | undefined;
  description?: string | null | undefined;
  ordered?: boolean | null | undefined;
  rateLimit?: number | null | undefined;
}

/** An endpoint with the secret that signs for it, shown this once. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface WebhookService {
  create(tenantId: string, input: EndpointInput): Promise<EndpointWithSecret>;
  /** Changes the given fields; NOT_FOUND for an unknown id or another tenant's. */
  update(tenantId: string, id: string, input: EndpointInput): Promise<WebhookEndpoint>;
  /** A new current secret; the one it replaces signs beside it for 24 hours. */
  rotateSecret(tenantId: string, id: string): Promise<EndpointWithSecret>;
  setStatus(tenantId: string, id: string, status: EndpointStatus): Promise<WebhookEndpoint>;
  remove(tenantId: string, id: string): Promise<void>;
  list(tenantId: string): Promise<WebhookEndpoint[]>;
  /** NOT_FOUND for an endpoint that is not the tenant's. */
  get(tenantId: string, id: string): Promise<WebhookEndpoint>;
  deliveries(tenantId: string, endpointId: string, query: DeliveryQuery): Promise<DeliveryPage>;
  /** Queues DEAD deliveries again; how many it queued. */
  redrive(tenantId: string, ids: readonly string[]): Promise<number>;
  /** Queues events to be sent again to the tenant's endpoint (an ENDPOINT replay); 0 when the endpoint is gone. */
  requeue(tenantId: string, endpointId: string, items: readonly RequeueItem[]): Promise<number>;
}

export interface WebhookServiceOptions {
  endpoints: EndpointStore;
  runtime: Pick<DeliveryRuntime, 'poke'>;
  /** HUB_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  now?: () => number;
}

/** Endpoints one tenant may have. */
export const MAX_ENDPOINTS_PER_TENANT = 100;
const MAX_DESCRIPTION = 500;
/** Highest rateLimit, deliveries per second. */
const MAX_RATE = 10_000;

export const endpointNotFound = (id: string) =>
  new HubError(ErrorCode.NOT_FOUND, `there is no webhook endpoint "${id}"`);

/**
 * Webhook endpoints as clients manage them: validated input (URL scheme and
 * address, sizes; the filter is checked against the request's budget by the
 * resolver), secrets made here and shown once, every call in one tenant.
 */
export function createWebhookService(options: WebhookServiceOptions): WebhookService {
  const { endpoints, runtime } = options;
  const now = options.now ?? Date.now;

  async function get(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = isEventId(id) ? await endpoints.endpoint(tenantId, id) : null;
    if (!endpoint) throw endpointNotFound(id);
    return endpoint;
  }

  /** The fields `input` sets, checked; `url` required when `creating`. */
  async function patchOf(input: EndpointInput, creating: boolean): Promise<EndpointPatch> {
    const patch: EndpointPatch = {};
    if (input.url != null) patch.url = await checkWebhookUrl(input.url, ['input', 'url'], options.allowPrivate);
    else if (creating) throw badInput('url is required', ['input', 'url']);
    if (input.filter !== undefined && (input.filter !== null || creating))
      patch.filter = toFilterJson(input.filter ?? {});
    if (input.description != null) {
      if (input.description.length > MAX_DESCRIPTION)
        throw badInput(`description may be at most ${MAX_DESCRIPTION} characters`, ['input', 'description']);
      patch.description = input.description;
    }
    if (input.ordered != null) patch.ordered = input.ordered;
    if (input.rateLimit != null) {
      if (!Number.isInteger(input.rateLimit) || input.rateLimit < 0 || input.rateLimit > MAX_RATE) {
        throw badInput(`rateLimit must be 0 (no limit) to ${MAX_RATE} deliveries per second`, ['input', 'rateLimit']);
      }
      patch.rateLimit = input.rateLimit;
    }
    return patch;
  }

  async function changed(tenantId: string, id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
    await get(tenantId, id);
    const endpoint = await endpoints.updateEndpoint(tenantId, id, patch);
    if (!endpoint) throw endpointNotFound(id);
    runtime.poke(id);
    return endpoint;
  }

  return {
    async create(tenantId, input) {
      const patch = await patchOf(input, true);
      if ((await endpoints.endpoints(tenantId)).length >= MAX_ENDPOINTS_PER_TENANT) {
        throw badInput(`a tenant may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first`, [
          'input',
        ]);
      }
      const secret = newSecret();
      const endpoint: WebhookEndpoint = {
        id: newEventId(now()),
        tenantId,
        url: patch.url!,
        description: patch.description ?? '',
        filter: patch.filter ?? {},
        ordered: patch.ordered ?? true,
        rateLimit: patch.rateLimit ?? 0,
        status: 'ENABLED',
        createdAt: new Date(now()),
        secrets: [{ secret }],
      };
      await endpoints.createEndpoint(endpoint);
      runtime.poke();
      return { endpoint, secret };
    },
    async update(tenantId, id, input) {
      await get(tenantId, id);
      return changed(tenantId, id, await patchOf(input, false));
    },
    async rotateSecret(tenantId, id) {
      const secret = newSecret();
      const endpoint = await changed(tenantId, id, {
        secrets: rotate((await get(tenantId, id)).secrets, secret, now()),
      });
      return { endpoint, secret };
    },
    setStatus: (tenantId, id, status) => changed(tenantId, id, { status }),
    async remove(tenantId, id) {
      if (!isEventId(id) || !(await endpoints.deleteEndpoint(tenantId, id))) throw endpointNotFound(id);
      runtime.poke();
    },
    list: (tenantId) => endpoints.endpoints(tenantId),
    get,
    async deliveries(tenantId, endpointId, query) {
      await get(tenantId, endpointId);
      return endpoints.deliveries(tenantId, endpointId, query);
    },
    async redrive(tenantId, ids) {
      const { queued, endpointIds } = await endpoints.redrive(tenantId, ids.filter(isEventId), new Date(now()));
      for (const id of endpointIds) runtime.poke(id);
      return queued;
    },
    async requeue(tenantId, endpointId, items) {
      const queued = await endpoints.requeue(tenantId, endpointId, items, new Date(now()));
      runtime.poke(endpointId);
      return queued;
    },
  };
}
