import type { HubEvent } from '../events/event.ts';
import type { EventMatcher } from '../filter/index.ts';
import type { DeliveryErrorInfo, HandlerOutcome, HandlerStore, OutcomeStatus } from './handler-store.ts';

/** One handler's part in one event, as `Event.processing` shows it. */
export interface EventProcessing {
  handler: string;
  /** PENDING: nothing recorded yet and the handler's line has not reached the event. */
  status: OutcomeStatus | 'PENDING';
  attempts: number;
  firstAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  durationMs: number | null;
  followUps: string[];
  error: (DeliveryErrorInfo & { attempts: number; lastAttempt: Date }) | null;
}

/** A loaded handler's name and its `eventTypes` as a matcher. */
export interface TrailHandler {
  name: string;
  matches: EventMatcher;
}

/**
 * Every loaded handler whose types match each event, with what its line did
 * with it: at most two store calls for all the events (their outcomes, and
 * the tenant's lines when some event has a handler without an outcome).
 * A handler whose line passed an event without an outcome (handled before
 * the trail existed, or a lost trail write) is left out: it is not pending,
 * and what it did is not known. Answers in the order of `events`.
 */
export async function processingOf(
  handlerStore: HandlerStore,
  handlers: readonly TrailHandler[],
  tenantId: string,
  events: readonly HubEvent[],
): Promise<EventProcessing[][]> {
  const wanted = events.map((event) => (event.tenantId === tenantId ? handlers.filter((h) => h.matches(event)) : []));
  const asked = events.filter((_, i) => wanted[i]!.length > 0).map((event) => event.id);
  if (asked.length === 0) return events.map(() => []);
  const recorded = new Map(
    (await handlerStore.outcomes(tenantId, asked)).map((o) => [JSON.stringify([o.eventId, o.handler]), o]),
  );
  const unrecorded = events.some((event, i) =>
    wanted[i]!.some((h) => !recorded.has(JSON.stringify([event.id, h.name]))),
  );
  const positions = new Map(
    unrecorded ? (await handlerStore.lines(tenantId)).map((line) => [line.handler, line.position]) : [],
  );

  return events.map((event, i) =>
    wanted[i]!.flatMap(({ name }): EventProcessing[] => {
      const outcome = recorded.get(JSON.stringify([event.id, name]));
      if (!outcome) return (positions.get(name) ?? 0) >= event.position ? [] : [pending(name)];
      return [processingOfOutcome(outcome)];
    }),
  );
}

/** A trail entry as `Event.processing` shows it: the error carries the attempts and when the last one was. */
export function processingOfOutcome(outcome: HandlerOutcome): EventProcessing {
  const { handler, status, attempts, firstAttemptAt, lastAttemptAt, durationMs, followUps, error } = outcome;
  return {
    handler,
    status,
    attempts,
    firstAttemptAt,
    lastAttemptAt,
    durationMs,
    followUps,
    error: error ? { ...error, attempts, lastAttempt: lastAttemptAt } : null,
  };
}

const pending = (handler: string): EventProcessing => ({
  handler,
  status: 'PENDING',
  attempts: 0,
  firstAttemptAt: null,
  lastAttemptAt: null,
  durationMs: null,
  followUps: [],
  error: null,
});
