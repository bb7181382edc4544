import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isHubError } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';
import type { CompiledFilter } from '../filter/index.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { describeFailure, runAttempt, type AttemptServices } from './handler-attempt.ts';
import type { HubHandler } from './handler.ts';
import type { DeadLetter, HandlerOutcome, LineState, OutcomeStatus } from './handler-store.ts';
import { createOutcomeTrail, type TriedAttempt } from './outcome-trail.ts';

export interface RetryPolicy {
  /** Waits before the 2nd, 3rd, ... attempt; the last one repeats. */
  backoffMs: readonly number[];
  maxAttempts: number;
  /** Per attempt, unless the handler sets its own. */
  timeoutMs: number;
}

export interface HandlerObserver {
  attemptStarted(handler: string): void;
  attemptFinished(handler: string, ok: boolean, seconds: number): void;
  deadLettered(handler: string): void;
}

export interface LineWorkerOptions extends AttemptServices {
  handler: HubHandler;
  /** The handler's `eventTypes` compiled: the events of its line. */
  filter: CompiledFilter;
  tenantId: string;
  store: EventStore;
  policy: RetryPolicy;
  /** Events read from the store at a time. */
  batch: number;
  /** Aborts on shutdown or when the line's lease is lost: the worker stops after the event in hand. */
  stop: AbortSignal;
  /** False once the line's lease is known to be lost: then nothing more is written for the line. */
  holds: () => boolean;
  /**
   * Asked before every attempt: false when the lease may not outlast it (lost,
   * or a renewal failed). The worker then stops before the attempt, as on `stop`,
   * and the caller runs it again later.
   */
  mayStart: () => Promise<boolean>;
  /** Told about every attempt and dead letter (metrics). */
  observer?: HandlerObserver;
  /**
   * Instead of reading, move the checkpoint to this position: the caller
   * knows that nothing up to it matches the line (the bus showed each
   * position, and no redriven letter waits). Ignored while an event is
   * being retried: the pass then reads as usual.
   */
  skipTo?: number;
  now: () => number;
  log: Logger;
}

/**
 * Works one line (one handler, one tenant) while the caller holds its lease:
 * first the dead letters redriven for it, then the events after its
 * checkpoint, in position order, each until it succeeds or runs out of
 * attempts. The checkpoint is saved after every event, so whoever takes the
 * line over next repeats at most the event in flight (at-least-once). The
 * processing trail's successes are written together (outcome-trail.ts) and
 * flushed when the pass ends, however it ends.
 * Resolves with the line's position when nothing is left to do, or when `stop` aborts.
 */
export async function drainLine(options: LineWorkerOptions): Promise<number> {
  const { handler, tenantId, handlerStore, store, stop } = options;
  let state: LineState = (await handlerStore.line(handler.name, tenantId)) ?? {
    handler: handler.name,
    tenantId,
    position: 0,
    attempts: 0,
    processed: 0,
    failed: 0,
  };

  // Set when `mayStart` refused an attempt: the pass ends as when `stop` aborts.
  let halted = false;
  const ended = () => stop.aborted || halted;
  const trail = createOutcomeTrail({
    handlerStore,
    handler: handler.name,
    tenantId,
    holds: options.holds,
    now: options.now,
    log: options.log,
  });
  /** Saves the checkpoint and, beside it (no extra round trip in sequence), the event's trail entry. */
  const save = async (next: LineState, outcome?: HandlerOutcome) => {
    if (!options.holds()) return; // someone else works the line now: leave it to them
    await Promise.all([handlerStore.saveLine(next), outcome && trail.record(outcome)]);
    state = next;
  };

  if (options.skipTo !== undefined && state.attempts === 0 && state.retryAt === undefined) {
    if (options.skipTo > state.position) await save({ ...state, position: options.skipTo });
    return state.position;
  }
  try {
    return await work();
  } finally {
    await trail.flush(); // the pass's last successes, however it ended
  }

  /**
   * The line's range; a line whose checkpoint lies below what the archive
   * still serves (retention moved those events to cold before the line got
   * to them: a new handler, or one stopped for longer than warm) starts
   * again from the oldest event served, saying so, instead of failing on
   * every pass.
   */
  async function openRange() {
    const read = () =>
      store.readRange(tenantId, { after: state.position, filter: options.filter, batch: options.batch });
    try {
      return await read();
    } catch (error) {
      if (!isHubError(error) || error.code !== ErrorCode.CURSOR_EXPIRED) throw error;
      const purged = await store.purgedThrough(tenantId);
      if (purged <= state.position) throw error;
      options.log.warn(
        { handler: handler.name, tenantId, from: state.position, to: purged },
        'handler line behind the archive: events that moved to cold are skipped',
      );
      await save({ ...state, position: purged });
      return read();
    }
  }

  async function work(): Promise<number> {
    for (const letter of await handlerStore.redriven(handler.name, tenantId, options.batch)) {
      if (ended()) return state.position;
      await redrive(letter);
    }

    if (ended()) return state.position;
    // One cursor over everything there is now; what is appended meanwhile wakes the line again.
    const range = await openRange();
    for await (const events of range.pages) {
      for (const event of events) {
        if (ended()) return state.position; // leaving the loop closes the cursor
        await handleInLine(event);
      }
    }
    if (ended()) return state.position; // the last event may be unfinished
    // Every matching event up to the head is handled: the rest of the way there matches nothing.
    if (range.head > state.position) await save({ ...state, position: range.head });
    return state.position;
  }

  /** One event of the line: retried with backoff, then given up on as a dead letter. */
  async function handleInLine(event: HubEvent): Promise<void> {
    for (;;) {
      if (state.retryAt !== undefined && !(await waitUntil(state.retryAt))) return;
      if (stop.aborted) return;
      const attempt = state.attempts + 1;
      const tried = await tryOnce(event, attempt);
      if (tried === undefined) return; // not tried: the lease may not outlast it
      const { failure } = tried;
      const outcome = (status: OutcomeStatus) => trail.outcome(event, tried, status, attempt);
      const base = {
        handler: state.handler,
        tenantId,
        processed: state.processed,
        failed: state.failed,
        position: state.position,
      };
      if (failure === null) {
        await save(
          { ...base, position: event.position, attempts: 0, processed: state.processed + 1 },
          outcome('HANDLED'),
        );
        return;
      }
      if (stop.aborted) return; // a failure caused by stopping is no failure of the handler
      if (attempt >= options.policy.maxAttempts) {
        await handlerStore.addDeadLetter({
          tenantId,
          handler: handler.name,
          event,
          error: { ...failure, attempts: attempt, lastAttempt: new Date(options.now()) },
          deadAt: new Date(options.now()),
        });
        options.observer?.deadLettered(handler.name);
        const traceId = event.metadata.trace?.traceId;
        options.log.warn(
          {
            handler: handler.name,
            tenantId,
            eventId: event.id,
            attempts: attempt,
            error: failure,
            ...(traceId && { traceId }),
          },
          'handler gave up on an event: dead letter',
        );
        await save(
          { ...base, position: event.position, attempts: 0, failed: state.failed + 1 },
          outcome('DEAD_LETTERED'),
        );
        return;
      }
      await save(
        { ...base, attempts: attempt, retryAt: options.now() + backoff(attempt), lastError: failure },
        outcome('FAILED'),
      );
    }
  }

  /** A redriven dead letter: the same attempts and backoff, kept in memory; it dies again if they run out. */
  async function redrive(letter: DeadLetter): Promise<void> {
    const before = await trail.attemptsBefore(letter); // the trail's attempts add up across redrives
    for (let attempt = 1; ; attempt++) {
      const tried = await tryOnce(letter.event, attempt);
      if (tried === undefined) return; // not tried: the lease may not outlast it
      const { failure } = tried;
      const outcome = (status: OutcomeStatus) => trail.outcome(letter.event, tried, status, before + attempt);
      if (failure === null) {
        if (!options.holds()) return;
        await handlerStore.resolve(tenantId, letter.id);
        await save({ ...state, processed: state.processed + 1 }, outcome('HANDLED'));
        return;
      }
      if (stop.aborted) return;
      if (attempt >= options.policy.maxAttempts) {
        const now = new Date(options.now());
        await handlerStore.addDeadLetter({
          tenantId,
          handler: handler.name,
          event: letter.event,
          error: { ...failure, attempts: attempt, lastAttempt: now },
          deadAt: now,
        });
        options.observer?.deadLettered(handler.name);
        await trail.record(outcome('DEAD_LETTERED'));
        return;
      }
      await trail.record(outcome('FAILED'));
      if (!(await waitUntil(options.now() + backoff(attempt)))) return;
    }
  }

  /** The attempt (its `failure` null on success), or undefined when not tried (the pass halts). */
  async function tryOnce(event: HubEvent, attempt: number): Promise<TriedAttempt | undefined> {
    if (!(await options.mayStart())) {
      halted = true;
      return undefined;
    }
    const tried: TriedAttempt = { failure: null, startedAt: options.now(), durationMs: 0, followUps: [] };
    const started = performance.now();
    options.observer?.attemptStarted(handler.name);
    try {
      await runAttempt(handler, event, attempt, {
        ...options,
        timeoutMs: handler.timeoutMs ?? options.policy.timeoutMs,
        stop,
        followUps: tried.followUps,
      });
    } catch (error) {
      tried.failure = describeFailure(error);
    }
    tried.durationMs = performance.now() - started;
    options.observer?.attemptFinished(handler.name, tried.failure === null, tried.durationMs / 1000);
    return tried;
  }

  function backoff(failedAttempts: number): number {
    const delays = options.policy.backoffMs;
    return delays[Math.min(failedAttempts - 1, delays.length - 1)] ?? 0;
  }

  /** False when stopped first. */
  async function waitUntil(at: number): Promise<boolean> {
    const ms = at - options.now();
    if (ms > 0) await sleep(ms, undefined, { signal: stop }).catch(() => {});
    return !stop.aborted;
  }
}
