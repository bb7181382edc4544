import { coerceInputValue, isInputType, type GraphQLSchema } from 'graphql';
import { badInput } from '../../errors.ts';
import { decodePosition } from '../../events/position.ts';
import { compileWithinBudget, createFilterBudget, type FilterBudgetOptions } from '../../filter/filter-budget.ts';
import type { CompiledFilter, EventFilter } from '../../filter/index.ts';

/** What `GET /export?filter=…&after=…&order=ASC` asks for, checked. */
export interface ExportRequest {
  filter: CompiledFilter;
  /** The position the export continues after (0: from the start). */
  after: number;
}

const PARAMETERS = new Set(['filter', 'after', 'order']);

/**
 * Reads the query string of an export: `filter` is an `EventFilter` as JSON, coerced by the
 * GraphQL schema's own input type (enums, `DateTime`, defaults) so it means exactly what the
 * same filter means in a GraphQL `events` query, then held to the request's filter budget and
 * compiled. Throws BAD_USER_INPUT with the path of the first problem; an unknown parameter is
 * refused rather than ignored, so a misspelt `filter` does not export everything.
 */
export async function parseExportRequest(
  search: URLSearchParams,
  schema: GraphQLSchema,
  limits: FilterBudgetOptions,
): Promise<ExportRequest> {
  for (const name of new Set(search.keys())) {
    if (!PARAMETERS.has(name))
      throw badInput(`unknown parameter "${name.slice(0, 64)}"; /export takes filter, after and order`, [
        name.slice(0, 64),
      ]);
    if (search.getAll(name).length > 1) throw badInput(`"${name}" is given more than once`, [name]);
  }
  const order = search.get('order') ?? 'ASC';
  if (order !== 'ASC') throw badInput('/export reads in position order only: order must be ASC', ['order']);
  const after = search.has('after') ? decodePosition(search.get('after')!) : 0;
  const raw = search.get('filter');
  const filter = raw === null ? null : coerceFilter(parseJson(raw), schema);
  return { filter: await compileWithinBudget(filter, createFilterBudget(limits), ['filter']), after };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badInput('filter must be an EventFilter as JSON', ['filter']);
  }
}

/** The JSON value as GraphQL would take it for an `EventFilter` variable; throws at the first problem. */
function coerceFilter(value: unknown, schema: GraphQLSchema): EventFilter | null {
  const type = schema.getType('EventFilter');
  if (!type || !isInputType(type)) throw new Error('the schema has no EventFilter input');
  if (value === null) return null;
  return coerceInputValue(value, type, (path, _invalid, error) => {
    throw badInput(error.message, ['filter', ...path.map(String)]);
  }) as EventFilter;
}
