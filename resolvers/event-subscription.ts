import { Scope } from '../src/config.ts';
import { isHubError, type HubError } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import { decodePosition } from '../src/events/position.ts';
import type { EventFilter } from '../src/filter/index.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import { requestFilter } from './filter-request.ts';

/**
 * A stream that ends with a coded error (CURSOR_EXPIRED, SLOW_CONSUMER)
 * yields it as a value, so `resolve` can throw it: the client then gets a
 * regular GraphQL result with `extensions.code` instead of a torn connection.
 */
export type StreamItem = HubEvent | { streamError: HubError };

/**
 * Deliberately not an async generator: a generator suspended in `await
 * next()` cannot run `return()` until an event arrives, so an unsubscribe on
 * a quiet stream would leak the subscription. This iterator forwards
 * `return()` to the live stream at once.
 */
export async function eventStream(
  args: { filter?: EventFilter | null | undefined; after?: string | null | undefined },
  ctx: HubContext,
): Promise<AsyncIterableIterator<StreamItem>> {
  const { tenantId } = requireScope(ctx.principal, Scope.SUBSCRIBE);
  const filter = await requestFilter(args.filter, ctx);
  const after = args.after == null ? undefined : decodePosition(args.after);
  const events = ctx.services.live.subscribe({
    tenantId,
    filter,
    ...(after !== undefined && { after }),
    deliver: ctx.deliverLive,
    budget: ctx.connectionBudget,
  });
  let ended = false;
  const done = (): IteratorResult<StreamItem> => ({ done: true, value: undefined });
  const stream: AsyncIterableIterator<StreamItem> = {
    async next() {
      if (ended) return done();
      try {
        return await events.next();
      } catch (error) {
        if (!isHubError(error)) throw error;
        ended = true;
        return { done: false, value: { streamError: error } };
      }
    },
    async return() {
      ended = true;
      await events.return?.();
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}

export function resolveStreamItem(item: StreamItem): HubEvent {
  if ('streamError' in item) throw item.streamError;
  return item;
}
