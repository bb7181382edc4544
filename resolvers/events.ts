import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import { isEventId } from '../src/events/ids.ts';
import { decodePosition, encodePosition } from '../src/events/position.ts';
import type { EventFilter } from '../src/filter/index.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import type { EventPage, SortOrder, StatsGroup } from '../src/store/event-store.ts';
import { requestFilter } from './filter-request.ts';

export interface EventEdge {
  cursor: string;
  node: HubEvent;
}

export async function eventById(id: string, ctx: HubContext): Promise<HubEvent | null> {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  return isEventId(id) ? ctx.services.store.get(tenantId, id) : null;
}

interface EventsArgs {
  filter?: EventFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  order?: SortOrder | null | undefined;
}

export async function eventsPage(args: EventsArgs, ctx: HubContext) {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  const first = pageSize(args.first, ctx);
  const page = await ctx.services.store.query(tenantId, {
    filter: await requestFilter(args.filter, ctx),
    first,
    order: args.order ?? 'DESC',
    ...(args.after != null && { after: decodePosition(args.after) }),
  });
  return connectionOf(page);
}

/** A store page as a Relay connection: each event's position is its cursor. */
export function connectionOf(page: EventPage) {
  const edges = page.events.map((node) => ({ cursor: encodePosition(node.position), node }));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** `first` of a page: 1 to HUB_MAX_PAGE_SIZE, else BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined, ctx: HubContext): number {
  const size = first ?? 50;
  const { maxPageSize } = ctx.services.limits;
  if (!Number.isInteger(size) || size < 1 || size > maxPageSize) {
    throw badInput(`"first" must be between 1 and ${maxPageSize}`, ['first']);
  }
  return size;
}

export async function eventStats(
  args: { filter?: EventFilter | null | undefined; groupBy: StatsGroup },
  ctx: HubContext,
) {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  return ctx.services.store.stats(tenantId, await requestFilter(args.filter, ctx), args.groupBy);
}
