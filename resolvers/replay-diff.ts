import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import { differenceCursor } from '../src/replay/replay-service.ts';
import type { ReplayDifference } from '../src/replay/shadow-outcome.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';

/**
 * Most differences one `replayDiff` page holds. Each carries an event, two outcomes and up to
 * 16 KiB of captured payloads, so its page is kept well under HUB_MAX_PAGE_SIZE: a page is then at
 * most about 2 MB, and one selecting everything stays within the cost limit.
 */
export const MAX_DIFF_PAGE = 100;

export interface DifferenceNode extends ReplayDifference {
  event: HubEvent;
}

/** Query.replayDiff: scope `replay`, the caller's tenant only (another tenant's job is NOT_FOUND). */
export async function replayDiff(
  args: { jobId: string; first?: number | null | undefined; after?: string | null | undefined },
  ctx: HubContext,
) {
  const { tenantId } = requireScope(ctx.principal, Scope.REPLAY);
  const first = args.first ?? 20;
  const max = Math.min(MAX_DIFF_PAGE, ctx.services.limits.maxPageSize);
  if (!Number.isInteger(first) || first < 1 || first > max)
    throw badInput(`"first" must be between 1 and ${max}`, ['first']);
  const page = await ctx.services.replays.differences(tenantId, args.jobId, {
    first,
    ...(args.after != null && { after: args.after }),
  });
  // One read per event, together; a difference whose event is no longer stored is left out.
  const events = await Promise.all(page.differences.map((d) => ctx.services.store.get(tenantId, d.eventId)));
  const edges = page.differences.flatMap((d, i) =>
    events[i] ? [{ cursor: differenceCursor(d), node: { ...d, event: events[i]! } }] : [],
  );
  const endCursor = page.differences.length ? differenceCursor(page.differences.at(-1)!) : null;
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor } };
}
