import type { TraceContext } from './trace-context.ts';

/**
 * The event envelope (README: the GraphQL contract): what integrations publish, what the hub
 * stores and what subscribers receive.
 */
export const SourceType = {
  WORKFLOW: 'WORKFLOW',
  TASK: 'TASK',
  INTEGRATION: 'INTEGRATION',
  EXTERNAL: 'EXTERNAL',
  SYSTEM: 'SYSTEM',
  WEBHOOK: 'WEBHOOK',
  MANUAL: 'MANUAL',
  CRON: 'CRON',
} as const;
export type SourceType = (typeof SourceType)[keyof typeof SourceType];

export const ContextType = { CLIENT: 'CLIENT', USER: 'USER', GLOBAL: 'GLOBAL' } as const;
export type ContextType = (typeof ContextType)[keyof typeof ContextType];

export type JsonObject = Record<string, unknown>;

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  idempotencyKey?: string;
  actor?: { id: string; type: string };
  context?: { type: ContextType; id?: string };
  attributes?: unknown;
  /** Set only by replay jobs. */
  replay?: { jobId: string; originalEventId: string };
  /** The W3C trace context of the request that published it (or of the event whose handler did); set by the hub only. */
  trace?: TraceContext;
}

/** An event as the hub stores and delivers it. */
export interface HubEvent {
  /** Time-ordered UUIDv7 assigned by the hub. */
  id: string;
  type: string;
  version: string;
  tenantId: string;
  source: { type: SourceType; id: string };
  /** When it happened, as the publisher says (default: when received): the instant, which orders, filters and buckets. */
  timestamp: Date;
  /**
   * Minutes east of UTC the publisher wrote `timestamp` in (`+02:00` = 120), so it is shown as sent;
   * absent for UTC, and on events stored before offsets were kept.
   */
  timestampOffset?: number;
  /** When the hub stored it. */
  receivedAt: Date;
  subject?: string;
  payload: JsonObject;
  metadata: EventMetadata;
  /**
   * Monotonic per tenant: 1, 2, 3, ... in the order the store committed the
   * events. Clients see it as an opaque string (see `encodePosition`).
   */
  position: number;
}

/** An event validated and ready to store: everything but its position. */
export type PendingEvent = Omit<HubEvent, 'position'>;
