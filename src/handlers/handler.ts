import type { CatalogShape, PayloadOf } from '../catalog/event-catalog.ts';
import type { HubEvent } from '../events/event.ts';
import type { PublishResult } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';

/**
 * A typed handler (docs/HANDLERS.md): a reaction to events of some types, run by
 * the handler runtime at least once per event, per tenant in position order.
 * Everything a handler does should be safe to do twice for one event: after
 * a crash or a timeout the event is handled again.
 */
export interface HubHandler {
  /** Unique among the hub's handlers; names its checkpoints and dead letters, so keep it stable. */
  name: string;
  /** Type patterns as in `EventFilter.types` (exact names, `*` one segment, trailing `>`). */
  eventTypes: readonly string[];
  /** When a process has more work than it can start at once, higher priorities go first. Default 0. */
  priority: number;
  /** Per attempt; past it `ctx.signal` aborts and the attempt counts as failed. Default HUB_HANDLER_TIMEOUT_MS. */
  timeoutMs?: number;
  /**
   * The name of a live handler this one is a candidate version of. Such a handler never runs on
   * live events, only in SHADOW replays, which compare what it does with the live trail of the
   * handler it shadows (docs/HANDLERS.md).
   */
  shadows?: string;
  handle(event: HubEvent, ctx: HandlerContext): Promise<void>;
}

/** A follow-up event as a handler publishes it; the hub fills in tenant, source and causation. */
export interface FollowUpEvent {
  type: string;
  version?: string;
  subject?: string;
  timestamp?: Date;
  payload: Record<string, unknown>;
  metadata?: { idempotencyKey?: string; actor?: { id: string; type: string }; attributes?: unknown };
}

/** How a replay runs a handler: HANDLERS replays history through it; SHADOW runs a candidate version whose effects are captured, not kept. */
export type ReplayMode = 'HANDLERS' | 'SHADOW';

/** Set on the context of a replayed call, so a handler can skip side effects that must happen once (an email, a payment). */
export interface ReplayCall {
  /** The replay job running this call. */
  readonly jobId: string;
  readonly mode: ReplayMode;
}

export interface HandlerContext {
  /** 1 on the first try of this event, 2 on the first retry, and so on. */
  readonly attempt: number;
  /**
   * Present only when a replay job runs this call; undefined on a live event. The event then
   * carries `metadata.replay { jobId, originalEventId }` too. A replayed call is not retried.
   */
  readonly replay?: ReplayCall | undefined;
  /** The event's tenant: everything done through the context stays in it. */
  readonly tenantId: string;
  /**
   * Publishes a follow-up event in the event's tenant, from source SYSTEM
   * `handler:<name>`, with `causationId` = this event's id and
   * `correlationId` = this event's correlation id (or its id). Chains deeper
   * than HUB_MAX_CAUSATION_DEPTH come back REJECTED. Give an idempotency key
   * derived from the event (e.g. its id) so a retry does not publish twice.
   */
  publish(event: FollowUpEvent): Promise<PublishResult>;
  /** Small documents the handler maintains per tenant (read models), in the hub's store. */
  readonly projections: Projections;
  readonly log: Logger;
  /** Aborts when the attempt times out or the hub shuts down. */
  readonly signal: AbortSignal;
}

/** A handler's read models: JSON documents by projection name and key, in the event's tenant. */
export interface Projections {
  get<T extends Record<string, unknown>>(projection: string, key: string): Promise<T | null>;
  /** Replaces the document. Handlers run one event at a time per tenant, so read-modify-write is safe. */
  put(projection: string, key: string, value: Record<string, unknown>): Promise<void>;
}

/**
 * The event `handle` receives for one of the patterns `T`: for a catalog type
 * its payload type, for any other type or a wildcard pattern free JSON. A
 * handler that lists only catalog types gets a union it can narrow with
 * `event.type === '…'`; mixing in other patterns makes `type` a plain string.
 */
export type TypedEvent<C extends CatalogShape, T extends string> = T extends keyof C & string
  ? Omit<HubEvent, 'type' | 'payload'> & { type: T; payload: PayloadOf<C, T> }
  : Omit<HubEvent, 'payload'> & { payload: Record<string, unknown> };

export interface HandlerDefinition<C extends CatalogShape, T extends string> {
  name: string;
  eventTypes: readonly T[];
  priority?: number;
  timeoutMs?: number;
  /** Makes this a shadow of the named live handler: it runs only in SHADOW replays. */
  shadows?: string;
  handle(event: TypedEvent<C, T>, ctx: HandlerContext): Promise<void>;
}

/**
 * `defineHandler` bound to a catalog: `handle` gets the payload type of the
 * types it lists, checked at compile time. At run time it only fills in
 * defaults; a handler module may as well export the plain object.
 */
export function handlerFactory<C extends CatalogShape>() {
  return function defineHandler<const T extends string>(definition: HandlerDefinition<C, T>): HubHandler {
    return { ...definition, priority: definition.priority ?? 0 } as unknown as HubHandler;
  };
}
