import { isHubError } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';
import type { Ingest, PublishRequest, PublishResult } from '../ingest/ingest.ts';
import type { Logger } from '../logger.ts';
import type { FollowUpEvent, HandlerContext, HubHandler, Projections, ReplayCall } from './handler.ts';
import { MAX_FOLLOW_UPS, type DeliveryErrorInfo, type HandlerStore } from './handler-store.ts';

export interface AttemptServices {
  ingest: Ingest;
  handlerStore: HandlerStore;
  log: Logger;
}

/**
 * Where a call's effects go instead of the hub's store: a SHADOW replay captures follow-ups and
 * keeps projections in a scratch namespace. The follow-up is built as for a live call (source,
 * causation, correlation, trace).
 */
export interface AttemptEffects {
  publish(input: Record<string, unknown>, request: PublishRequest): Promise<PublishResult>;
  projections: Projections;
}

interface AttemptOptions extends AttemptServices {
  timeoutMs: number;
  stop: AbortSignal;
  replay?: ReplayCall | undefined;
  /** Receives the id of every follow-up the attempt publishes (a DUPLICATE's original), up to MAX_FOLLOW_UPS. */
  followUps?: string[] | undefined;
  /** Default: follow-ups are published through `ingest`, projections kept in `handlerStore`. */
  effects?: AttemptEffects | undefined;
}

/** Raised when an attempt outlives its time limit. */
export const HANDLER_TIMEOUT = 'HANDLER_TIMEOUT';
/** Anything a handler throws that is not a HubError. */
export const HANDLER_ERROR = 'HANDLER_ERROR';

/**
 * Runs one attempt of `handler` on `event`: resolves when it succeeded,
 * rejects with the reason otherwise. Past `timeoutMs` the context's signal
 * aborts and the attempt fails with HANDLER_TIMEOUT, whatever the handler
 * still does; `stop` (shutdown) aborts the signal too.
 */
export async function runAttempt(
  handler: HubHandler,
  event: HubEvent,
  attempt: number,
  options: AttemptOptions,
): Promise<void> {
  const controller = new AbortController();
  const onStop = () => controller.abort(options.stop.reason);
  options.stop.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = Object.assign(
        new Error(`handler "${handler.name}" did not finish within ${options.timeoutMs} ms`),
        { code: HANDLER_TIMEOUT },
      );
      reject(error); // first, so the race settles on the timeout rather than on how the handler reacts to the abort
      controller.abort(error);
    }, options.timeoutMs);
  });
  try {
    await Promise.race([
      handler.handle(event, contextFor(handler, event, attempt, controller.signal, options)),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
    options.stop.removeEventListener('abort', onStop);
  }
}

/** How a failure is recorded: a HubError keeps its code; a timeout is HANDLER_TIMEOUT; the rest HANDLER_ERROR. */
export function describeFailure(error: unknown): DeliveryErrorInfo {
  if (isHubError(error)) return { message: error.message, code: error.code };
  const code = (error as { code?: unknown } | null)?.code === HANDLER_TIMEOUT ? HANDLER_TIMEOUT : HANDLER_ERROR;
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.slice(0, 2000) || 'handler failed without a message', code };
}

function contextFor(
  handler: HubHandler,
  event: HubEvent,
  attempt: number,
  signal: AbortSignal,
  { ingest, handlerStore, log, replay, followUps, effects }: Omit<AttemptOptions, 'timeoutMs' | 'stop'>,
): HandlerContext {
  const { tenantId } = event;
  const send =
    effects?.publish ??
    (async (input: Record<string, unknown>, request: PublishRequest) =>
      (await ingest.publish(tenantId, [input], request))[0]!);
  return {
    attempt,
    replay,
    tenantId,
    signal,
    log: log.child({
      handler: handler.name,
      tenantId,
      eventId: event.id,
      attempt,
      ...(event.metadata.trace && { traceId: event.metadata.trace.traceId }),
    }),
    async publish(followUp: FollowUpEvent) {
      const { metadata, ...rest } = followUp;
      const source = { type: 'SYSTEM', id: `handler:${handler.name}` } as const;
      const input = {
        ...rest,
        source,
        metadata: { ...metadata, causationId: event.id, correlationId: event.metadata.correlationId ?? event.id },
      };
      // A follow-up belongs to the trace of the event it answers; its source is the hub's stamp, its type may still not be system.*.
      const result = await send(input, { trace: event.metadata.trace, source });
      // A DUPLICATE is the follow-up an earlier attempt published: a re-run after a crash still names it.
      const id =
        result.status === 'ACCEPTED' ? result.event.id : result.status === 'DUPLICATE' ? result.originalEventId : null;
      if (id !== null && followUps && followUps.length < MAX_FOLLOW_UPS) followUps.push(id);
      return result;
    },
    projections: effects?.projections ?? {
      get: async <T extends Record<string, unknown>>(projection: string, key: string) =>
        (await handlerStore.getProjection(tenantId, projection, key)) as T | null,
      put: (projection, key, value) => handlerStore.putProjection(tenantId, projection, key, value),
    },
  };
}
