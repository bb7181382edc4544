import type { EventBus } from '../bus/event-bus.ts';
import { badInput, isHubError, payloadTooLarge, type HubError } from '../errors.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import type { TraceContext } from '../events/trace-context.ts';
import type { PublishRateLimiter, Publisher } from '../limits/publish-rate-limiter.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { createEventCatalog, type EventCatalog } from '../catalog/event-catalog.ts';
import { createCausationGuard } from './causation-guard.ts';
import { toPendingEvent } from './to-pending-event.ts';

export type PublishResult =
  | { status: 'ACCEPTED'; event: HubEvent }
  | { status: 'DUPLICATE'; originalEventId: string }
  | { status: 'REJECTED'; error: HubError };

export interface Ingest {
  /**
   * Validates, stores, then publishes a batch for one tenant. One result per
   * input, in input order; an invalid item is REJECTED without stopping the
   * others. Throws only for a batch that is too large, one over `by`'s rate
   * limit (RATE_LIMITED, nothing stored) or a store that is down. Without
   * `by` — the hub's own publishes, such as handlers' follow-up events — no
   * limit applies.
   */
  publish(tenantId: string, inputs: readonly unknown[], request?: PublishRequest): Promise<PublishResult[]>;
  /**
   * Stores, then publishes, events the hub built itself: replayed events
   * (the only way an event with `metadata.replay` is stored; the public
   * input has no `replay`) and the hub's system events. They are copies of
   * stored events or made by the hub's code, so input validation, the
   * catalog and the causation limit are skipped; idempotency and
   * HUB_MAX_EVENT_BYTES apply (an event over it is REJECTED with
   * PAYLOAD_TOO_LARGE and logged as an error: the code that built it must
   * bound it). One result per event, in order; throws only when the store is down.
   */
  publishInternal(events: readonly PendingEvent[]): Promise<PublishResult[]>;
  /**
   * What `publish` would answer for one input, storing and publishing
   * nothing: ACCEPTED with the event it would have stored (position 0, in no
   * store), or REJECTED for the same reasons (shape, size, reserved names,
   * catalog, causation limit). There is no idempotency check, so it never
   * answers DUPLICATE. SHADOW replays capture handlers' follow-ups with it.
   * `cause`: the stored event the input names as its causationId, when the
   * caller holds it (the causation limit then need not read it).
   */
  check(tenantId: string, input: unknown, request?: PublishRequest, cause?: HubEvent): Promise<PublishResult>;
  /** Resolves once every publish under way has returned (shutdown: before the store closes). */
  drain(): Promise<void>;
}

/** What the hub knows about the request behind a publish. */
export interface PublishRequest {
  /** The API key publishing, whose rate limit applies; absent for the hub's own publishes (handlers' follow-ups), which no limit holds back. */
  by?: Publisher | undefined;
  /** The caller's W3C trace context (or the handled event's, for a handler's follow-up): stored as `metadata.trace`. */
  trace?: TraceContext | undefined;
  /**
   * Per item, in input order: a trace context that replaces `trace` for that item (a CloudEvent's own
   * `traceparent` extension, naming the trace its producer started). Items without one keep `trace`.
   */
  traces?: readonly (TraceContext | undefined)[] | undefined;
  /**
   * The source the hub stamps on every item, replacing the input's: a
   * handler's follow-ups are SYSTEM `handler:<name>`. Without it an input
   * from source SYSTEM is REJECTED, as is any `system.*` type either way.
   */
  source?: HubEvent['source'] | undefined;
}

export interface IngestOptions {
  store: EventStore;
  bus: EventBus;
  log: Logger;
  maxEventBytes: number;
  maxBatch: number;
  /** Payload schemas of registered types. Default: none, every type is free JSON. */
  catalog?: EventCatalog;
  /** Admits publishes made `by` an API key: one point per input, valid or not. Default: no limit. */
  rateLimiter?: PublishRateLimiter;
  /** Most ancestors an event may have through causationId. Default 16. */
  maxCausationDepth?: number;
  /** Told the outcome of every published item (metrics). */
  onPublished?: (tenantId: string, type: string, status: PublishResult['status']) => void;
  now?: () => Date;
}

/**
 * Store, then publish: an event reaches the bus only once it is durable, and
 * a bus failure after that is only logged, because subscribers and handlers
 * recover anything the bus dropped from the store by position.
 */
export function createIngest(options: IngestOptions): Ingest {
  const { store, bus, log } = options;
  const now = options.now ?? (() => new Date());
  const catalog = options.catalog ?? createEventCatalog({}, { strict: false });
  const causation = createCausationGuard({ store, maxDepth: options.maxCausationDepth ?? 16 });

  async function publishStored(event: HubEvent): Promise<void> {
    try {
      await bus.publish(event);
    } catch (error) {
      log.warn({ err: error, eventId: event.id }, 'bus publish failed; readers will catch up from the store');
    }
  }

  function report(tenantId: string, inputs: readonly unknown[], results: PublishResult[]): PublishResult[] {
    if (!options.onPublished) return results;
    results.forEach((result, i) => {
      const type = result.status === 'ACCEPTED' ? result.event.type : (inputs[i] as { type?: unknown } | null)?.type;
      options.onPublished!(tenantId, typeof type === 'string' ? type : 'invalid', result.status);
    });
    return results;
  }

  const inFlight = new Set<Promise<unknown>>();

  /** Appends, then puts what was stored on the bus: one result per event, in order. */
  function storeAndPublish(events: readonly PendingEvent[]): Promise<PublishResult[]> {
    const done = appendAndPublish(events);
    const tracked = done.catch(() => {}).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return done;
  }

  async function appendAndPublish(events: readonly PendingEvent[]): Promise<PublishResult[]> {
    const outcomes = await store.append(events);
    const results = outcomes.map((outcome): PublishResult => {
      if (outcome.status === 'FAILED') return { status: 'REJECTED', error: outcome.error };
      if (outcome.status === 'DUPLICATE') return { status: 'DUPLICATE', originalEventId: outcome.originalEventId };
      return outcome;
    });
    const stored = results.flatMap((result) => (result.status === 'ACCEPTED' ? [result.event] : []));
    // Events this call completed for an interrupted publish were never on the bus; readers drop repeats by position.
    for (const outcome of outcomes)
      if (outcome.status === 'DUPLICATE' && outcome.completed) stored.push(outcome.completed);
    // All sent before any reply is awaited: one round trip for the batch, still in order on the connection.
    await Promise.all(stored.map(publishStored));
    return results;
  }

  return {
    async publish(tenantId, inputs, request = {}) {
      const { by } = request;
      if (inputs.length > options.maxBatch) {
        throw badInput(`a batch may hold at most ${options.maxBatch} events; got ${inputs.length}`, ['input']);
      }
      if (by && options.rateLimiter) await options.rateLimiter.admit(tenantId, by, inputs.length);
      const receivedAt = now();
      const results: PublishResult[] = new Array(inputs.length);
      const valid: { index: number; event: PendingEvent; depth: number }[] = [];
      for (const [index, input] of inputs.entries()) {
        try {
          const event = toPendingEvent(input, {
            tenantId,
            now: receivedAt,
            maxEventBytes: options.maxEventBytes,
            trace: request.traces?.[index] ?? request.trace,
            source: request.source,
          });
          catalog.checkPayload(event.type, event.version, event.payload);
          valid.push({ index, event, depth: await causation.check(event) });
        } catch (error) {
          if (!isHubError(error)) throw error;
          results[index] = { status: 'REJECTED', error };
        }
      }
      if (valid.length === 0) return report(tenantId, inputs, results);

      const stored = await storeAndPublish(valid.map((item) => item.event));
      stored.forEach((result, i) => {
        const { index, depth } = valid[i]!;
        results[index] = result;
        if (result.status === 'ACCEPTED') causation.remember(tenantId, result.event.id, depth);
      });
      return report(tenantId, inputs, results);
    },

    async publishInternal(events) {
      const results: PublishResult[] = new Array(events.length);
      const fitting: { index: number; event: PendingEvent }[] = [];
      for (const [index, event] of events.entries()) {
        // The last guard: whatever the hub built (an audit record of a huge request, a replayed event grown by its stamp) obeys the limit every publisher does.
        const bytes = Buffer.byteLength(JSON.stringify(event));
        if (bytes <= options.maxEventBytes) fitting.push({ index, event });
        else {
          log.error(
            { type: event.type, tenantId: event.tenantId, bytes, limit: options.maxEventBytes },
            'hub-built event over HUB_MAX_EVENT_BYTES; not stored',
          );
          results[index] = { status: 'REJECTED', error: payloadTooLarge(bytes, options.maxEventBytes) };
        }
      }
      if (fitting.length === 0) return results;
      const stored = await storeAndPublish(fitting.map((item) => item.event));
      stored.forEach((result, i) => {
        results[fitting[i]!.index] = result;
      });
      return results;
    },

    async check(tenantId, input, request = {}, cause) {
      try {
        const event = toPendingEvent(input, {
          tenantId,
          now: now(),
          maxEventBytes: options.maxEventBytes,
          trace: request.trace,
          source: request.source,
        });
        catalog.checkPayload(event.type, event.version, event.payload);
        await causation.check(event, cause);
        return { status: 'ACCEPTED', event: { ...event, position: 0 } };
      } catch (error) {
        if (!isHubError(error)) throw error;
        return { status: 'REJECTED', error };
      }
    },

    async drain() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
