import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { EventFilter } from '../src/filter/index.ts';
import { encodeDeadLetterCursor } from '../src/handlers/dead-letter-cursor.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import { requestFilter } from './filter-request.ts';

/** Every handler's progress in the caller's tenant. */
export function handlerStatuses(ctx: HubContext) {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  return ctx.services.handlers.status(tenantId);
}

export async function deadLettersPage(
  args: {
    filter?: EventFilter | null | undefined;
    first?: number | null | undefined;
    after?: string | null | undefined;
  },
  ctx: HubContext,
) {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  const first = args.first ?? 50;
  const { maxPageSize } = ctx.services.limits;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize)
    throw badInput(`"first" must be between 1 and ${maxPageSize}`, ['first']);
  const page = await ctx.services.handlerStore.deadLetters(tenantId, {
    filter: await requestFilter(args.filter, ctx),
    first,
    ...(args.after != null && { after: args.after }),
  });
  const edges = page.deadLetters.map((node) => ({
    cursor: encodeDeadLetterCursor({ deadAt: node.deadAt.getTime(), id: node.id }),
    node,
  }));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}

/** Queues the caller's dead letters to be handled again; answers how many were queued. */
export async function redriveDeadLetters(ids: readonly string[], ctx: HubContext): Promise<number> {
  const { tenantId } = requireScope(ctx.principal, Scope.REPLAY);
  if (ids.length > ctx.services.limits.maxPageSize)
    throw badInput(`at most ${ctx.services.limits.maxPageSize} ids at a time`, ['ids']);
  const queued = await ctx.services.handlerStore.redrive(tenantId, ids);
  if (queued > 0) ctx.services.handlers.poke(tenantId);
  return queued;
}
