import { badInput } from '../errors.ts';
import { FilterLimits, PatternKind, type EventPatternInput } from './filter-input.ts';
import { checkUserRegex, escapeRegex } from './regex-guard.ts';

/**
 * A type pattern, parsed, for the live subscription index (docs/ARCHITECTURE.md §9): index
 * `exact` and `wildcard` patterns by their literal segments, `prefix` by its
 * leading characters; `regex` can only be tested one by one.
 */
export type TypePattern =
  | { kind: 'exact'; type: string }
  /** Each segment is a literal, `*` (exactly one segment) or, last only, `>` (one or more). */
  | { kind: 'wildcard'; segments: string[] }
  /** The type starts with `prefix` (plain characters, not segment-aware). */
  | { kind: 'prefix'; prefix: string }
  /** RE2 syntax, unanchored, already checked by `checkUserRegex`. */
  | { kind: 'regex'; source: string };

export interface TypeClause {
  /** `null` when any type matches. */
  patterns: TypePattern[] | null;
  /** The query document fragment for `type`, or `null` when any type matches. */
  query: Record<string, unknown> | null;
}

const SEGMENT = /^[a-z][a-z0-9_]*$/;
const PREFIX_TEXT = /^[a-z][a-z0-9_.]*$/;
const MIN_SEGMENTS = 2;
const MAX_SEGMENTS = 6;

/** Parses `types` (wildcards) and `patterns` into one OR-ed clause on `type`. */
export function compileTypeClause(
  types: readonly string[] | null | undefined,
  patterns: readonly EventPatternInput[] | null | undefined,
  path: readonly string[],
): TypeClause {
  const count = (types?.length ?? 0) + (patterns?.length ?? 0);
  if (count > FilterLimits.maxTypePatterns) {
    throw badInput(`types and patterns together are limited to ${FilterLimits.maxTypePatterns}`, [...path, 'types']);
  }
  const parsed: TypePattern[] = [];
  types?.forEach((value, i) => {
    parsed.push(parsePattern(PatternKind.WILDCARD, value, [...path, 'types', String(i)]));
  });
  patterns?.forEach((pattern, i) => {
    const at = [...path, 'patterns', String(i)];
    if (typeof pattern !== 'object' || pattern === null) throw badInput('a pattern must be { kind, value }', at);
    parsed.push(parsePattern(pattern.kind ?? PatternKind.WILDCARD, pattern.value, [...at, 'value']));
  });
  if (parsed.length === 0 || parsed.some(matchesEveryType)) return { patterns: null, query: null };
  const unique = dedupe(parsed);
  return { patterns: unique, query: typeQuery(unique) };
}

function parsePattern(kind: string, value: unknown, path: readonly string[]): TypePattern {
  if (typeof value !== 'string') throw badInput('a type pattern must be a string', path);
  if (value.length > FilterLimits.maxPatternLength) {
    throw badInput(`a type pattern is limited to ${FilterLimits.maxPatternLength} characters`, path);
  }
  switch (kind) {
    case PatternKind.EXACT:
      if (!isTypeName(value)) throw badInput(`"${value}" is not a type name: ${TYPE_RULE}`, path);
      return { kind: 'exact', type: value };
    case PatternKind.PREFIX:
      if (!PREFIX_TEXT.test(value)) {
        throw badInput('a PREFIX must start with a lowercase letter and use only [a-z0-9_.]', path);
      }
      return { kind: 'prefix', prefix: value };
    case PatternKind.WILDCARD:
      return parseWildcard(value, path);
    case PatternKind.REGEX:
      checkUserRegex(value, path);
      return { kind: 'regex', source: value };
    default:
      throw badInput(`unknown pattern kind "${kind}"`, path);
  }
}

const TYPE_RULE = '2-6 lowercase segments [a-z][a-z0-9_]*, dot-separated';
const WILDCARD_RULE = `${TYPE_RULE}, where "*" stands for one segment and a last ">" for one or more`;

const isTypeName = (value: string): boolean => {
  const segments = value.split('.');
  return segments.length >= MIN_SEGMENTS && segments.length <= MAX_SEGMENTS && segments.every((s) => SEGMENT.test(s));
};

function parseWildcard(value: string, path: readonly string[]): TypePattern {
  const segments = value.split('.');
  segments.forEach((segment, i) => {
    if (segment === '>' && i !== segments.length - 1) {
      throw badInput(`">" may only be the last segment of "${value}"`, path);
    }
    if (segment !== '*' && segment !== '>' && !SEGMENT.test(segment)) {
      throw badInput(`"${value}" is not a type pattern: ${WILDCARD_RULE}`, path);
    }
  });
  const trailing = segments.at(-1) === '>';
  // With '>' a pattern matches at least segments.length segments, and any number above.
  const fewest = segments.length;
  const most = trailing ? Infinity : segments.length;
  if (fewest > MAX_SEGMENTS || most < MIN_SEGMENTS) {
    throw badInput(`"${value}" can match no type: ${WILDCARD_RULE}`, path);
  }
  if (!segments.some((s) => s === '*' || s === '>')) return { kind: 'exact', type: value };
  return { kind: 'wildcard', segments };
}

/** `>` and `*.>` match every valid type (types have at least two segments). */
const matchesEveryType = (pattern: TypePattern): boolean =>
  pattern.kind === 'wildcard' &&
  pattern.segments.at(-1) === '>' &&
  pattern.segments.length <= MIN_SEGMENTS &&
  pattern.segments.every((s) => s === '*' || s === '>');

function dedupe(patterns: TypePattern[]): TypePattern[] {
  const seen = new Set<string>();
  return patterns.filter((pattern) => {
    const key = JSON.stringify(pattern);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Exact types gather into one `$eq` / `$in`; each other pattern is one anchored `$regex`. */
function typeQuery(patterns: TypePattern[]): Record<string, unknown> {
  const exact = patterns.flatMap((p) => (p.kind === 'exact' ? [p.type] : []));
  const conditions: Record<string, unknown>[] = [];
  if (exact.length === 1) conditions.push({ $eq: exact[0] });
  if (exact.length > 1) conditions.push({ $in: exact });
  for (const pattern of patterns) {
    if (pattern.kind !== 'exact') conditions.push({ $regex: patternRegex(pattern) });
  }
  if (conditions.length === 1) return { type: conditions[0] };
  return { $or: conditions.map((condition) => ({ type: condition })) };
}

/**
 * Stored types are valid names, so `[^.]+` is exactly one segment and a
 * trailing `>` needs nothing after the dot: `crm.>` is `^crm\.`, which
 * MongoDB can also answer from an index on `type` as a prefix scan.
 */
export function patternRegex(pattern: Exclude<TypePattern, { kind: 'exact' }>): string {
  switch (pattern.kind) {
    case 'prefix':
      return `^${escapeRegex(pattern.prefix)}`;
    case 'regex':
      return pattern.source;
    case 'wildcard': {
      const trailing = pattern.segments.at(-1) === '>';
      const fixed = trailing ? pattern.segments.slice(0, -1) : pattern.segments;
      const body = fixed.map((s) => (s === '*' ? '[^.]+' : escapeRegex(s))).join('\\.');
      return trailing ? `^${body}\\.` : `^${body}$`;
    }
  }
}
