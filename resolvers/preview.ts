import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import type { EventFilter } from '../src/filter/index.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import { requestFilter } from './filter-request.ts';

/** Most sample events a preview returns. */
export const MAX_PREVIEW_SAMPLES = 100;

export interface FilterPreview {
  count: number;
  capped: boolean;
  samples: HubEvent[];
}

/**
 * `previewFilter`: what a filter selects, before a replay is started with it. A count bounded
 * by HUB_PREVIEW_LIMIT and the first matching events in position order (the order a replay takes
 * them); a read like `events`, so it leaves no job and no audit event.
 */
export async function previewFilter(
  args: { filter: EventFilter; samples?: number | null | undefined },
  ctx: HubContext,
): Promise<FilterPreview> {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  const samples = args.samples ?? 10;
  if (!Number.isInteger(samples) || samples < 0 || samples > MAX_PREVIEW_SAMPLES) {
    throw badInput(`"samples" must be between 0 and ${MAX_PREVIEW_SAMPLES}`, ['samples']);
  }
  const filter = await requestFilter(args.filter, ctx);
  const { store, limits } = ctx.services;
  const [counted, page] = await Promise.all([
    store.count(tenantId, filter, limits.previewLimit),
    samples > 0 ? store.query(tenantId, { filter, first: samples, order: 'ASC' }) : { events: [] },
  ]);
  return { ...counted, samples: page.events };
}
