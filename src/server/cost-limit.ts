import { costLimitRule, type CostLimitOptions } from '@escape.tech/graphql-armor-cost-limit';
import { GraphQLError, Kind, visit, validate, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Cost of one item of the widest page the API serves, as graphql-armor counts it: 2 per object,
 * 1 per scalar, each level down weighing 1.5 times more, the whole field times its `first`/`last`
 * (armor knows no other list sizes). An `events` item selecting every Event field (metadata,
 * source, actor, context, replay, trace, processing), its cursor and a share of pageInfo costs
 * 285; a `deadLetters` item 536 and a `replayJobs` item with its sample of events 550, their
 * events' `caused` connection included; a `replayDiff` item about 600, but its pages hold at most
 * 100. Two `events` items cost 570, so two full pages stay over. Measured in
 * test/security/cost-limit.test.ts, which fails when the schema outgrows this.
 * (`caused` lookups nested in a page are bounded apart from the cost: resolvers/causation.ts.)
 */
const PAGE_ITEM_COST = 560;

/**
 * The cost limit: any one page of HUB_MAX_PAGE_SIZE items selecting everything, but not two full
 * `events` pages; so aliases repeating a page, and a field repeated thousands of times within the
 * token limit, go over it.
 */
export function costLimit(maxPageSize: number): CostLimitOptions {
  return { maxCost: maxPageSize * PAGE_ITEM_COST };
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);
const variablePageSizes = new WeakMap<DocumentNode, boolean>();

/**
 * armor multiplies only by a literal `first: 1000`; with `first: $n` it counts one item, so 30
 * aliased pages of `$n` events would pass. Before such an operation runs, its cost is computed
 * again with the variables' page sizes written in, and over the limit it does not run.
 */
export function costLimitOfVariables(options: CostLimitOptions, maxPageSize: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!hasVariablePageSize(args.document)) return;
      const refusals: GraphQLError[] = [];
      const rule = costLimitRule({
        ...options,
        propagateOnRejection: false,
        onReject: [(_context, error) => refusals.push(error)],
      });
      validate(args.schema, withPageSizes(args.document, args.variableValues ?? {}, maxPageSize), [rule]);
      if (refusals.length === 0) return;
      // as the same document with literal page sizes is refused: a validation error, HTTP 400
      const extensions = { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } };
      setResultAndStopExecution({ errors: refusals.map((error) => new GraphQLError(error.message, { extensions })) });
    },
  };
}

function hasVariablePageSize(document: DocumentNode): boolean {
  let found = variablePageSizes.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Argument(node) {
        if (PAGE_ARGUMENTS.has(node.name.value) && node.value.kind === Kind.VARIABLE) found = true;
      },
    });
    variablePageSizes.set(document, found);
  }
  return found;
}

/**
 * The document with each `first: $var` / `last: $var` replaced by the variable's integer value, at
 * most `maxPageSize`: a larger page is refused by its resolver with BAD_USER_INPUT, which says more.
 */
function withPageSizes(document: DocumentNode, variables: Record<string, unknown>, maxPageSize: number): DocumentNode {
  return visit(document, {
    Argument(node) {
      if (!PAGE_ARGUMENTS.has(node.name.value) || node.value.kind !== Kind.VARIABLE) return undefined;
      const value = variables[node.value.name.value];
      return Number.isInteger(value)
        ? { ...node, value: { kind: Kind.INT, value: String(Math.min(value as number, maxPageSize)) } }
        : undefined;
    },
  });
}
