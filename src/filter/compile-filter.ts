import { badInput } from '../errors.ts';
import { SourceType } from '../events/event.ts';
import { compileConditions } from './field-conditions.ts';
import { FilterLimits, type EventFilter } from './filter-input.ts';
import { compileTypeClause, type TypePattern } from './type-patterns.ts';

/**
 * A filter compiled once (docs/ARCHITECTURE.md §8): `query` is a MongoDB query document
 * that the MongoDB adapter sends as is (after AND-ing `{ tenantId }`), and
 * that the memory store and the subscription hub evaluate with
 * `createMatcher`. Its top-level keys are `type`, `$or`, `source.type`,
 * `source.id`, `subject`, `metadata.*`, `timestamp`, `payload.*` and `$and`:
 * never `tenantId`, `position`, `id` or `_id`.
 */
export interface CompiledFilter {
  query: Record<string, unknown>;
  /** The type patterns for the live index; `null` means any type. */
  typePatterns: TypePattern[] | null;
}

export interface CompileFilterOptions {
  /** Where the filter sits in the GraphQL arguments, for error paths. Default `['filter']`. */
  path?: readonly string[];
}

/**
 * Validates and compiles a filter; throws BAD_USER_INPUT (with a path) on
 * anything invalid. The same input always gives the same document, so
 * MongoDB sees stable query shapes.
 */
export function compileFilter(
  filter: EventFilter | null | undefined,
  options: CompileFilterOptions = {},
): CompiledFilter {
  const path = options.path ?? ['filter'];
  if (filter === null || filter === undefined) return { query: {}, typePatterns: null };
  const types = compileTypeClause(
    list(filter.types, [...path, 'types']),
    list(filter.patterns, [...path, 'patterns']),
    path,
  );
  const clauses: Record<string, unknown>[] = [];
  if (types.query) clauses.push(types.query);
  const sourceTypes = compileSourceTypes(list(filter.sourceTypes, [...path, 'sourceTypes']), [...path, 'sourceTypes']);
  if (sourceTypes) clauses.push(sourceTypes);
  const equalities = [
    ['sourceId', 'source.id'],
    ['subject', 'subject'],
    ['correlationId', 'metadata.correlationId'],
    ['causationId', 'metadata.causationId'],
    ['actorId', 'metadata.actor.id'],
  ] as const;
  for (const [name, field] of equalities) {
    const value = filter[name];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') throw badInput(`${name} must be a string`, [...path, name]);
    if (value.length > FilterLimits.maxIdLength) {
      throw badInput(`${name} is limited to ${FilterLimits.maxIdLength} characters`, [...path, name]);
    }
    clauses.push({ [field]: { $eq: value } });
  }
  const range = compileTimeRange(filter.from, filter.to, path);
  if (range) clauses.push(range);
  const where = list(filter.where, [...path, 'where']);
  if (where) clauses.push(...compileConditions(where, [...path, 'where']));
  return { query: combine(clauses), typePatterns: types.patterns };
}

/** GraphQL lists may be null; an empty list constrains nothing, like an absent one. */
function list<T>(value: readonly T[] | null | undefined, at: readonly string[]): readonly T[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw badInput('must be a list', at);
  return value.length === 0 ? null : value;
}

const SOURCE_TYPES = new Set<unknown>(Object.values(SourceType));

function compileSourceTypes(values: readonly SourceType[] | null, at: readonly string[]) {
  if (!values) return null;
  values.forEach((value, i) => {
    if (!SOURCE_TYPES.has(value)) throw badInput(`unknown source type "${String(value)}"`, [...at, String(i)]);
  });
  const unique = [...new Set(values)];
  return { 'source.type': unique.length === 1 ? { $eq: unique[0] } : { $in: unique } };
}

/** `timestamp` in [from, to). */
function compileTimeRange(from: Date | null | undefined, to: Date | null | undefined, path: readonly string[]) {
  const range: Record<string, Date> = {};
  if (from !== null && from !== undefined) range['$gte'] = validDate(from, [...path, 'from']);
  if (to !== null && to !== undefined) range['$lt'] = validDate(to, [...path, 'to']);
  const { $gte: start, $lt: end } = range;
  if (start && end && start.getTime() >= end.getTime()) {
    throw badInput('from must be earlier than to (the interval is [from, to))', [...path, 'from']);
  }
  return start || end ? { timestamp: range } : null;
}

function validDate(value: unknown, at: readonly string[]): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw badInput('must be a valid date', at);
  return new Date(value.getTime());
}

/**
 * Every clause has one key. They share one document while keys differ;
 * a clause whose key is already taken (a second condition on the same
 * path, a second `$or`) goes into a trailing `$and`.
 */
function combine(clauses: Record<string, unknown>[]): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  const rest: Record<string, unknown>[] = [];
  for (const clause of clauses) {
    const [key] = Object.keys(clause);
    if (key === undefined) continue;
    if (Object.hasOwn(query, key)) rest.push(clause);
    else query[key] = clause[key];
  }
  if (rest.length > 0) query['$and'] = rest;
  return query;
}
