import type { HubEvent } from '../events/event.ts';
import type { Logger } from '../logger.ts';
import type { DeadLetter, DeliveryErrorInfo, HandlerOutcome, HandlerStore, OutcomeStatus } from './handler-store.ts';

/** One attempt as the line worker saw it. */
export interface TriedAttempt {
  /** Null when the attempt succeeded. */
  failure: DeliveryErrorInfo | null;
  /** When it started (ms since the epoch, the worker's clock). */
  startedAt: number;
  durationMs: number;
  /** Ids of the follow-ups it published (ctx.publish), filled in as it runs. */
  followUps: string[];
}

export interface OutcomeTrail {
  /** The trail entry for `event` after `tried`, the event's `attempts`-th attempt in all. */
  outcome(event: HubEvent, tried: TriedAttempt, status: OutcomeStatus, attempts: number): HandlerOutcome;
  /**
   * Writes the entry while the line is held. Never rejects: a failed write is
   * logged, since failing the line would run the handler again (repeating its
   * effects) for the sake of a record.
   */
  record(outcome: HandlerOutcome): Promise<void>;
  /** Attempts a redriven dead letter had before its redrive: the trail's count, else the letter's. */
  attemptsBefore(letter: DeadLetter): Promise<number>;
}

/**
 * The processing trail of one line (handler, tenant): what the handler did
 * with each event, written by the line worker after every attempt, beside
 * the line's checkpoint.
 */
export function createOutcomeTrail(options: { handlerStore: HandlerStore; handler: string; tenantId: string; holds: () => boolean; log: Logger }): OutcomeTrail {
  const { handlerStore, handler, tenantId, log } = options;
  return {
    outcome(event, tried, status, attempts) {
      return {
        tenantId,
        eventId: event.id,
        handler,
        status,
        attempts,
        firstAttemptAt: new Date(tried.startedAt),
        lastAttemptAt: new Date(tried.startedAt),
        durationMs: Math.round(tried.durationMs),
        followUps: [...tried.followUps],
        ...(tried.failure && { error: tried.failure }),
      };
    },
    async record(outcome) {
      if (!options.holds()) return; // another process works the line now: its records win
      try {
        await handlerStore.recordOutcome(outcome);
      } catch (error) {
        log.warn({ err: error, handler, tenantId, eventId: outcome.eventId, status: outcome.status }, 'recording a handler outcome failed; the trail misses this attempt');
      }
    },
    async attemptsBefore(letter) {
      try {
        const [recorded] = (await handlerStore.outcomes(tenantId, [letter.event.id])).filter((o) => o.handler === handler);
        return recorded?.attempts ?? letter.error.attempts;
      } catch {
        return letter.error.attempts;
      }
    },
  };
}
