import type { GraphQLResolveInfo } from 'graphql';
import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import { isEventId } from '../src/events/ids.ts';
import { decodePosition } from '../src/events/position.ts';
import type { EventFilter } from '../src/filter/index.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import { connectionOf, pageSize } from './events.ts';
import { requestFilter } from './filter-request.ts';

interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
}

/**
 * `Event.caused` lookups one query or mutation may make. Each is a store query (an index range
 * on MongoDB, a scan on FerretDB), and nested in a page of 1,000 events it would be 1,000 of
 * them in one request, which the cost limit does not see (it counts the page once). A
 * subscription makes one per delivered event, like `processing`, so it is not counted.
 */
export const MAX_CAUSED_PER_REQUEST = 100;
const causedLookups = new WeakMap<HubContext, number>();

/** `Event.causedBy`: the event named by `metadata.causationId`, in the caller's tenant, or null. */
export async function causedBy(event: HubEvent, ctx: HubContext): Promise<HubEvent | null> {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  const cause = event.metadata.causationId;
  return cause !== undefined && isEventId(cause) ? ctx.services.store.get(tenantId, cause) : null;
}

/** `Event.caused`: the events whose `causationId` is this event's id, in position order. */
export async function caused(event: HubEvent, args: PageArgs, ctx: HubContext, info: GraphQLResolveInfo) {
  if (info.operation.operation !== 'subscription') {
    const used = (causedLookups.get(ctx) ?? 0) + 1;
    if (used > MAX_CAUSED_PER_REQUEST) {
      throw badInput(
        `a request may ask for Event.caused at most ${MAX_CAUSED_PER_REQUEST} times; ask for fewer events' effects at once`,
        ['caused'],
      );
    }
    causedLookups.set(ctx, used);
  }
  return relatedPage({ causationId: event.id }, ['caused'], args, ctx);
}

/** `Query.correlation`: every event of the caller's tenant with this correlation id, in position order. */
export async function correlation(args: PageArgs & { id: string }, ctx: HubContext) {
  return relatedPage({ correlationId: args.id }, ['id'], args, ctx);
}

/** A page in position order of the events matching `filter`: the filter budget charged, ids checked for length. */
async function relatedPage(filter: EventFilter, path: readonly string[], args: PageArgs, ctx: HubContext) {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  const first = pageSize(args.first, ctx);
  const page = await ctx.services.store.query(tenantId, {
    filter: await requestFilter(filter, ctx, path),
    first,
    order: 'ASC',
    ...(args.after != null && { after: decodePosition(args.after) }),
  });
  return connectionOf(page);
}
