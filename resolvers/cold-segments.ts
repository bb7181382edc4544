import { utcDay, type SegmentManifest } from '../src/cold/cold-store.ts';
import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';

interface ColdSegmentsArgs {
  from?: Date | null | undefined;
  to?: Date | null | undefined;
}

/**
 * The caller's tenant's cold segments holding events received in [from, to],
 * oldest first. At most `maxPageSize` are read: a wider range is refused
 * rather than cut short, so an answer is always whole.
 */
export async function coldSegments(args: ColdSegmentsArgs, ctx: HubContext): Promise<SegmentManifest[]> {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  const from = args.from ?? new Date(0);
  const to = args.to ?? new Date();
  if (from > to) throw badInput('"from" must not be after "to"', ['from']);
  const { cold, limits } = ctx.services;
  if (!cold) return [];
  const limit = limits.maxPageSize;
  const listed = await cold.list(tenantId, { fromDay: utcDay(from), toDay: utcDay(to), limit: limit + 1 });
  if (listed.length > limit)
    throw badInput(`more than ${limit} segments lie in this range; narrow "from" and "to"`, ['from']);
  return listed.filter(
    (segment) =>
      Date.parse(segment.lastReceivedAt) >= from.getTime() && Date.parse(segment.firstReceivedAt) <= to.getTime(),
  );
}
