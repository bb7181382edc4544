import type { CompiledFilter, EventFilter } from '../src/filter/index.ts';
import { compileWithinBudget, createFilterBudget, type FilterBudget } from '../src/filter/filter-budget.ts';
import type { HubContext } from '../src/server/context.ts';

/**
 * The filter budget of each request, kept beside its context: the context is
 * made once per HTTP request and once per websocket subscribe, and every
 * resolver of the operation receives the same one.
 */
const budgets = new WeakMap<HubContext, FilterBudget>();

function budgetOf(ctx: HubContext): FilterBudget {
  let budget = budgets.get(ctx);
  if (!budget) {
    budget = createFilterBudget(ctx.services.limits);
    budgets.set(ctx, budget);
  }
  return budget;
}

/**
 * A filter argument of a request, checked against the request's budget
 * (HUB_MAX_FILTER_BYTES, HUB_MAX_REGEX_PER_REQUEST, HUB_MAX_REGEX_INSTRUCTIONS)
 * before any of it is compiled, its REGEX patterns compiled a turn of the
 * event loop apart, then compiled. Throws BAD_USER_INPUT under `path`.
 */
export async function requestFilter(
  filter: EventFilter | null | undefined,
  ctx: HubContext,
  path: readonly string[] = ['filter'],
): Promise<CompiledFilter> {
  return compileWithinBudget(filter, budgetOf(ctx), path);
}
