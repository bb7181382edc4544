import type { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

type CostLimitOptions = NonNullable<NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>['costLimit']>;

/**
 * graphql-armor's cost of one item of the widest `events` page: every Event field, nested
 * metadata, source, actor, context, replay and trace included, with its edge's cursor and a share
 * of pageInfo. armor counts 2 per object and 1 per scalar, each level below a field weighing 1.5
 * times more, and multiplies a field's cost by its literal `first`/`last` (it knows no list sizes
 * otherwise). That item costs about 203 (test/security/cost-limit.test.ts measures it).
 */
const WIDEST_PAGE_ITEM_COST = 203;

/**
 * The cost limit: one full page of HUB_MAX_PAGE_SIZE events selecting everything, with room for
 * about half as much again beside it (a few small root fields), and not two such pages. Aliases
 * repeating a page, and fields repeated many times within the token limit, go over it.
 */
export function costLimit(maxPageSize: number): CostLimitOptions {
  return { maxCost: Math.ceil(maxPageSize * WIDEST_PAGE_ITEM_COST * 1.5) };
}
