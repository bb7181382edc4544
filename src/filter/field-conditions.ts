import { badInput } from '../errors.ts';
import { FieldOp, FilterLimits, type FieldCondition } from './filter-input.ts';
import { escapeRegex } from './regex-guard.ts';
import { checkValueShape } from './value-shape.ts';

/**
 * `where` conditions → one query clause each (`{ path: { $op: value } }`).
 *
 * Values are data: every operator is written by this file, and a value that
 * holds an object key starting with `$` is refused. Values are JSON scalars
 * (string, finite number, boolean, null), or, for EQ / NE / IN, arrays of them:
 * objects are refused because MongoDB compares embedded documents field order
 * included while mingo ignores the order, and both executors must agree
 * (the EventStore contract: both stores select the same events). Filter on nested paths instead.
 *
 * - EQ / NE: `$eq` / `$ne`, MongoDB semantics (an array field matches when
 *   one element equals; NE also matches a missing field; EQ null matches
 *   null or missing).
 * - GT / GTE / LT / LTE: the value is a number or a string and only fields
 *   of the same type compare (MongoDB type brackets; mingo does the same).
 *   Strings compare by code unit, without collation.
 * - IN: `$in`, 1–100 scalars.
 * - CONTAINS with a string: the field is a string containing it, or an
 *   array with a string element containing it (case-sensitive substring, an
 *   escaped unanchored `$regex`). With a number or boolean: the field is an
 *   array with an element equal to it (`$elemMatch: { $eq }`).
 * - EXISTS: `$exists`, value true / false (null or absent means true).
 */
export function compileConditions(
  conditions: readonly FieldCondition[],
  path: readonly string[],
): Record<string, unknown>[] {
  if (conditions.length > FilterLimits.maxConditions) {
    throw badInput(`where is limited to ${FilterLimits.maxConditions} conditions`, path);
  }
  return conditions.map((condition, i) => compileCondition(condition, [...path, String(i)]));
}

const ROOTS = new Set(['payload', 'metadata', 'source', 'subject']);
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function compileCondition(condition: FieldCondition, at: readonly string[]): Record<string, unknown> {
  if (typeof condition !== 'object' || condition === null)
    throw badInput('a condition must be { path, op, value }', at);
  const field = parsePath(condition.path, [...at, 'path']);
  const valuePath = [...at, 'value'];
  const value: unknown = condition.value ?? null;
  checkValueShape(value, valuePath);
  switch (condition.op) {
    case FieldOp.EQ:
      return { [field]: { $eq: scalarOrList(value, valuePath) } };
    case FieldOp.NE:
      return { [field]: { $ne: scalarOrList(value, valuePath) } };
    case FieldOp.GT:
      return { [field]: { $gt: comparable(value, valuePath) } };
    case FieldOp.GTE:
      return { [field]: { $gte: comparable(value, valuePath) } };
    case FieldOp.LT:
      return { [field]: { $lt: comparable(value, valuePath) } };
    case FieldOp.LTE:
      return { [field]: { $lte: comparable(value, valuePath) } };
    case FieldOp.IN:
      return { [field]: { $in: inList(value, valuePath) } };
    case FieldOp.CONTAINS:
      return { [field]: contains(value, valuePath) };
    case FieldOp.EXISTS:
      if (typeof value !== 'boolean' && value !== null) throw badInput('EXISTS takes true or false', valuePath);
      return { [field]: { $exists: value ?? true } };
    default:
      throw badInput(`unknown op "${String(condition.op)}"`, [...at, 'op']);
  }
}

/** `payload.a.b`, `$.payload.a`, `metadata.x`, `source.id`, `subject` → a dotted MongoDB path. */
export function parsePath(raw: unknown, at: readonly string[]): string {
  if (typeof raw !== 'string') throw badInput('a path must be a string', at);
  if (raw.length > FilterLimits.maxPathLength)
    throw badInput(`a path is limited to ${FilterLimits.maxPathLength} characters`, at);
  const path = raw.startsWith('$.') ? raw.slice(2) : raw;
  const segments = path.split('.');
  if (segments.length > FilterLimits.maxPathSegments) {
    throw badInput(`a path is limited to ${FilterLimits.maxPathSegments} segments`, at);
  }
  for (const segment of segments) {
    if (segment === '') throw badInput(`"${raw}" has an empty segment`, at);
    if (segment.includes('$')) throw badInput(`"${raw}": path segments may not contain "$"`, at);
    if (!SEGMENT.test(segment)) throw badInput(`"${raw}": path segments use only [A-Za-z0-9_-]`, at);
    // mingo refuses to resolve __proto__; MongoDB would just find nothing.
    if (segment === '__proto__') throw badInput(`"${raw}": __proto__ is not a field`, at);
  }
  const root = segments[0] ?? '';
  if (!ROOTS.has(root)) throw badInput(`"${raw}" must start with payload, metadata, source or subject`, at);
  if (root === 'subject' && segments.length > 1) throw badInput('subject is a string and has no fields', at);
  return segments.join('.');
}

type Scalar = string | number | boolean | null;

const isScalar = (value: unknown): value is Scalar =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

function scalarOrList(value: unknown, at: readonly string[]): Scalar | Scalar[] {
  if (isScalar(value)) return value;
  if (Array.isArray(value) && value.every(isScalar)) return [...value];
  throw badInput('the value must be a string, number, boolean, null or an array of those; filter on nested paths', at);
}

function comparable(value: unknown, at: readonly string[]): string | number {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw badInput('GT, GTE, LT and LTE compare with a number or a string', at);
}

function inList(value: unknown, at: readonly string[]): Scalar[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > FilterLimits.maxInValues) {
    throw badInput(`IN takes a list of 1 to ${FilterLimits.maxInValues} values`, at);
  }
  if (!value.every(isScalar)) throw badInput('IN values must be strings, numbers, booleans or null', at);
  return [...value];
}

function contains(value: unknown, at: readonly string[]): Record<string, unknown> {
  if (typeof value === 'string') {
    if (value === '' || value.length > FilterLimits.maxContainsLength) {
      throw badInput(`CONTAINS takes a string of 1 to ${FilterLimits.maxContainsLength} characters`, at);
    }
    return { $regex: escapeRegex(value) };
  }
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
    return { $elemMatch: { $eq: value } };
  }
  throw badInput('CONTAINS takes a string, number or boolean', at);
}
