import { Scope } from '../src/config.ts';
import type { HubEvent } from '../src/events/event.ts';
import { decodePosition } from '../src/events/position.ts';
import type { EventFilter } from '../src/filter/index.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import { CodedEndStream, type CodedEndItem } from './coded-end-stream.ts';
import { requestFilter } from './filter-request.ts';

export type StreamItem = CodedEndItem<HubEvent>;

/** Subscription.events: the tenant's events after `after` that match `filter`, then live ones. */
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
  return new CodedEndStream(events);
}

export function resolveStreamItem(item: StreamItem): HubEvent {
  if ('streamError' in item) throw item.streamError;
  return item;
}
