import type { AuditActor, AuditTrail } from '../audit/audit-trail.ts';
import type { EventCatalog } from '../catalog/event-catalog.ts';
import type { FilterBudgetOptions } from '../filter/filter-budget.ts';
import type { HandlerRuntime } from '../handlers/handler-runtime.ts';
import type { HandlerStore } from '../handlers/handler-store.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { ConnectionBudget } from '../live/connection-budget.ts';
import type { DirectDelivery } from '../live/live-subscription.ts';
import type { SubscriptionHub } from '../live/subscription-hub.ts';
import type { ReplayService } from '../replay/replay-service.ts';
import type { WebhookService } from '../delivery/webhook-service.ts';
import type { EventStore } from '../store/event-store.ts';
import type { ColdStore } from '../cold/cold-store.ts';
import type { Principal } from './auth.ts';
import type { TraceContext } from '../events/trace-context.ts';

/** The core the resolvers call into; built once in `main`. */
export interface HubServices {
  ingest: Ingest;
  store: EventStore;
  /** The cold tier, or null when HUB_COLD_DIR is unset. */
  cold: ColdStore | null;
  live: SubscriptionHub;
  handlers: HandlerRuntime;
  handlerStore: HandlerStore;
  replays: ReplayService;
  webhooks: WebhookService;
  audit: AuditTrail;
  /** The event types the hub knows, from code and HUB_CATALOG_DIR. */
  catalog: EventCatalog;
  /** `previewLimit`: most events `previewFilter` counts (HUB_PREVIEW_LIMIT). */
  limits: { maxPageSize: number; previewLimit: number } & FilterBudgetOptions;
}

/** The audit trail's view of who made a request. */
export const actorOf = (ctx: HubContext): AuditActor => ({
  keyName: ctx.principal?.keyName ?? null,
  requestId: ctx.requestId,
  trace: ctx.trace,
  clientAddress: ctx.clientAddress,
});

/** What every resolver receives. */
export interface HubContext {
  services: HubServices;
  /** Null when the request carried no valid API key or token; resolvers decide via `requireScope`. */
  principal: Principal | null;
  /**
   * Why the presented token was refused (`token expired`), when it was: the
   * operation is then answered UNAUTHENTICATED with this message before any
   * resolver runs (refuse-bad-tokens.ts).
   */
  authRefusal?: string | undefined;
  /** `x-request-id` when the caller sent one, otherwise a new UUID; on every log line of the request (`requestLog`). */
  requestId: string;
  /** The caller's W3C trace context (`traceparent` header, or `connectionParams.traceparent` on a websocket). */
  trace?: TraceContext | undefined;
  /** The peer address of the request's socket (a proxy's, behind one); tells apart callers without a valid key in the audit trail. */
  clientAddress?: string | undefined;
  /** `performance.now()` when the operation began executing (or a subscription began setting up); set by `observeOperations`. */
  operationStartedAt?: number;
  /**
   * Set by the websocket server on a subscription whose results every
   * subscriber of its operation shares: writes an event's `next` frame to the
   * socket itself while the socket keeps up. The events subscription hands it
   * to the live hub as `deliver`.
   */
  deliverLive?: DirectDelivery | undefined;
  /**
   * The unsent-bytes budget of the connection the request came on (its
   * websocket, or the HTTP response an SSE stream is written to), shared by
   * the subscriptions on it.
   */
  connectionBudget?: ConnectionBudget | undefined;
}
