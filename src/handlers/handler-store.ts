import type { HubEvent } from '../events/event.ts';
import type { CompiledFilter } from '../filter/index.ts';

/**
 * Where one handler stands in one tenant's events (a "line"). Written only by
 * the process holding the line's lease, after every event, so a restart or a
 * takeover resumes right after the last event handled.
 */
export interface LineState {
  handler: string;
  tenantId: string;
  /** The last position handled or given up on (dead letter); the line goes on after it. */
  position: number;
  /** Failed attempts so far at the event after `position` (0: none failed yet). */
  attempts: number;
  /** When that event may be tried again (ms since the epoch); absent when not waiting. */
  retryAt?: number;
  lastError?: DeliveryErrorInfo;
  /** Events handled successfully so far, redriven ones included. */
  processed: number;
  /** Events given up on (dead letters) so far. */
  failed: number;
}

export interface DeliveryErrorInfo {
  message: string;
  /** A HubError's code, `HANDLER_TIMEOUT`, or `HANDLER_ERROR` for anything a handler threw. */
  code: string;
}

export interface DeadLetter {
  id: string;
  tenantId: string;
  handler: string;
  event: HubEvent;
  error: DeliveryErrorInfo & { attempts: number; lastAttempt: Date };
  deadAt: Date;
  /** DEAD: given up on; REDRIVEN: queued to be handled again by its line. */
  status: 'DEAD' | 'REDRIVEN';
}

/** What a handler's line recorded for one event: HANDLED, FAILED (to be tried again) or DEAD_LETTERED. */
export type OutcomeStatus = 'HANDLED' | 'FAILED' | 'DEAD_LETTERED';

/**
 * The processing trail's entry for one (tenant, event, handler): what the
 * handler's line last did with the event. One entry per triple, rewritten
 * after every attempt.
 */
export interface HandlerOutcome {
  tenantId: string;
  eventId: string;
  handler: string;
  status: OutcomeStatus;
  /** Attempts so far, a redrive's added to the earlier ones. */
  attempts: number;
  /** When the first attempt started; the store keeps the first one it was given. */
  firstAttemptAt: Date;
  /** When the last attempt started. */
  lastAttemptAt: Date;
  /** How long the last attempt ran, in whole milliseconds. */
  durationMs: number;
  /** Ids of the follow-up events the last attempt published (a DUPLICATE's original id included), at most MAX_FOLLOW_UPS. */
  followUps: string[];
  /** The last attempt's failure; absent on HANDLED. */
  error?: DeliveryErrorInfo;
}

/** Follow-up ids kept per outcome: a handler fanning out to thousands of events must not make a huge entry. */
export const MAX_FOLLOW_UPS = 100;

export interface DeadLetterQuery {
  /** Applied to the dead letter's event, as `events` applies it. */
  filter: CompiledFilter;
  first: number;
  /** A cursor from an earlier page (DeadLetterPage.endCursor). */
  after?: string;
}

export interface DeadLetterPage {
  /** Newest first (by deadAt, then id). */
  deadLetters: DeadLetter[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * The handler runtime's state (docs/HANDLERS.md: checkpoints and dead letters in the
 * store), plus the projections handlers maintain. Every call is scoped to one
 * tenant, except that a line names its own.
 */
export interface HandlerStore {
  /** The line's state, or null before its first event. */
  line(handler: string, tenantId: string): Promise<LineState | null>;
  /** Replaces the line's state. Only the holder of the line's lease calls it. */
  saveLine(state: LineState): Promise<void>;
  /** Every line of a tenant, for `handlers` (processed, failed, lag). */
  lines(tenantId: string): Promise<LineState[]>;

  /**
   * Records that `handler` gave up on `event`. Idempotent per (tenant,
   * handler, event): a second call (a crash before the line moved on, or a
   * redrive that failed again) updates the error and deadAt of the one dead
   * letter and sets it DEAD again.
   */
  addDeadLetter(letter: Omit<DeadLetter, 'id' | 'status'>): Promise<DeadLetter>;
  deadLetters(tenantId: string, query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Queues DEAD letters of the tenant to be handled again; returns how many it queued (other tenants' ids and unknown ids count 0). */
  redrive(tenantId: string, ids: readonly string[]): Promise<number>;
  /** REDRIVEN letters of one line, oldest first. */
  redriven(handler: string, tenantId: string, limit: number): Promise<DeadLetter[]>;
  /** Removes a dead letter whose redrive succeeded. */
  resolve(tenantId: string, id: string): Promise<void>;

  /**
   * Records what a line did with an event, replacing the entry of (tenant,
   * event, handler) except its `firstAttemptAt`, which stays the one first
   * recorded (so it survives retries, restarts and takeovers). Only the holder
   * of the line's lease calls it. Adapters may assume an entry with
   * `attempts: 1` is usually new.
   */
  recordOutcome(outcome: HandlerOutcome): Promise<void>;
  /**
   * Records several outcomes at once, each as `recordOutcome` would (an entry
   * already there keeps its `firstAttemptAt`): for a line's successful first
   * attempts, which are written together rather than one write per event.
   */
  recordOutcomes(outcomes: readonly HandlerOutcome[]): Promise<void>;
  /**
   * The recorded outcomes of these events in this tenant, every handler's, in
   * no particular order; ids of other tenants' events or of unknown events
   * find nothing. Serves a whole page of events in one call.
   */
  outcomes(tenantId: string, eventIds: readonly string[]): Promise<HandlerOutcome[]>;

  /** Handlers' read models (HandlerContext.projections). */
  getProjection(tenantId: string, projection: string, key: string): Promise<Record<string, unknown> | null>;
  putProjection(tenantId: string, projection: string, key: string, value: Record<string, unknown>): Promise<void>;

  close(): Promise<void>;
}
