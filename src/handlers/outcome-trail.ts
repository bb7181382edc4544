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
   * Writes the entry while the line is held. A success at the first attempt
   * (the common case) waits in a buffer and goes with others in one write,
   * when FLUSH_EVENTS are waiting or the oldest has waited FLUSH_MS; any other
   * entry is written at once, after what waits. Never rejects: a failed write
   * is logged, since failing the line would run the handler again (repeating
   * its effects) for the sake of a record.
   */
  record(outcome: HandlerOutcome): Promise<void>;
  /** Writes what waits in the buffer; the line worker calls it at the end of every pass. */
  flush(): Promise<void>;
  /** Attempts a redriven dead letter had before its redrive: the trail's count, else the letter's. */
  attemptsBefore(letter: DeadLetter): Promise<number>;
}

/** Successes written together at most: one write per this many events on a busy line. */
export const FLUSH_EVENTS = 100;
/** How long a success waits for others before it is written anyway. */
export const FLUSH_MS = 250;

/**
 * The processing trail of one line (handler, tenant): what the handler did
 * with each event, written by the line worker after every attempt, beside
 * the line's checkpoint.
 */
export function createOutcomeTrail(options: {
  handlerStore: HandlerStore;
  handler: string;
  tenantId: string;
  holds: () => boolean;
  now: () => number;
  log: Logger;
}): OutcomeTrail {
  const { handlerStore, handler, tenantId, log } = options;
  let waiting: HandlerOutcome[] = [];
  let oldestAt = 0;

  /** Runs a write while the line is held; a failure is logged, never thrown. */
  async function write(what: string, outcomes: readonly HandlerOutcome[], run: () => Promise<void>): Promise<void> {
    if (!options.holds()) return; // another process works the line now: its records win
    try {
      await run();
    } catch (error) {
      log.warn(
        {
          err: error,
          handler,
          tenantId,
          eventIds: outcomes.map((o) => o.eventId).slice(0, 10),
          entries: outcomes.length,
        },
        `recording ${what} failed; the trail misses it`,
      );
    }
  }

  async function flush(): Promise<void> {
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    await write('handler outcomes', batch, () => handlerStore.recordOutcomes(batch));
  }

  return {
    flush,
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
      if (outcome.status === 'HANDLED' && outcome.attempts === 1) {
        if (waiting.length === 0) oldestAt = options.now();
        waiting.push(outcome);
        if (waiting.length >= FLUSH_EVENTS || options.now() - oldestAt >= FLUSH_MS) await flush();
        return;
      }
      await flush();
      await write('a handler outcome', [outcome], () => handlerStore.recordOutcome(outcome));
    },
    async attemptsBefore(letter) {
      try {
        const [recorded] = (await handlerStore.outcomes(tenantId, [letter.event.id])).filter(
          (o) => o.handler === handler,
        );
        return recorded?.attempts ?? letter.error.attempts;
      } catch {
        return letter.error.attempts;
      }
    },
  };
}
