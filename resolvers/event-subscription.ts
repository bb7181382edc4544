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
  return new ItemStream(events);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A coded error becomes the stream's last item. A class: a hub holds one per
 * subscriber, so its methods are shared rather than made for each.
 */
class ItemStream implements AsyncIterableIterator<StreamItem> {
  private ended = false;

  constructor(private readonly events: AsyncIterableIterator<HubEvent>) {}

  async next(): Promise<IteratorResult<StreamItem>> {
    if (this.ended) return DONE;
    try {
      return await this.events.next();
    } catch (error) {
      if (!isHubError(error)) throw error;
      this.ended = true;
      return { done: false, value: { streamError: error } };
    }
  }

  async return(): Promise<IteratorResult<StreamItem>> {
    this.ended = true;
    await this.events.return?.();
    return DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamItem> {
    return this;
  }
}

export function resolveStreamItem(item: StreamItem): HubEvent {
  if ('streamError' in item) throw item.streamError;
  return item;
}
