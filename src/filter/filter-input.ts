import type { SourceType } from '../events/event.ts';

/**
 * The `EventFilter` GraphQL input (schema/event-filter.ts) as the core receives it.
 * GraphQL hands absent fields over as `null`, so every field may be null.
 */
export const PatternKind = {
  EXACT: 'EXACT',
  PREFIX: 'PREFIX',
  WILDCARD: 'WILDCARD',
  REGEX: 'REGEX',
} as const;
export type PatternKind = (typeof PatternKind)[keyof typeof PatternKind];

export const FieldOp = {
  EQ: 'EQ',
  NE: 'NE',
  GT: 'GT',
  GTE: 'GTE',
  LT: 'LT',
  LTE: 'LTE',
  IN: 'IN',
  CONTAINS: 'CONTAINS',
  EXISTS: 'EXISTS',
} as const;
export type FieldOp = (typeof FieldOp)[keyof typeof FieldOp];

export interface EventPatternInput {
  /** GraphQL defaults it to WILDCARD; so does the compiler when it is absent. */
  kind?: PatternKind | null | undefined;
  value: string;
}

export interface FieldCondition {
  /** `payload.a.b`, `metadata.x`, `source.id`, `subject`, or any of these behind `$.`. */
  path: string;
  op: FieldOp;
  value?: unknown;
}

export interface EventFilter {
  /** WILDCARD patterns, OR-ed with each other and with `patterns`. */
  types?: readonly string[] | null | undefined;
  patterns?: readonly EventPatternInput[] | null | undefined;
  sourceTypes?: readonly SourceType[] | null | undefined;
  sourceId?: string | null | undefined;
  subject?: string | null | undefined;
  correlationId?: string | null | undefined;
  causationId?: string | null | undefined;
  actorId?: string | null | undefined;
  /** Inclusive lower bound on `timestamp`. */
  from?: Date | null | undefined;
  /** Exclusive upper bound on `timestamp`. */
  to?: Date | null | undefined;
  /** AND-ed conditions on payload / metadata / source / subject. */
  where?: readonly FieldCondition[] | null | undefined;
}

/**
 * Bounds on what one filter may ask, so a filter is cheap to compile and to
 * run. The request-wide ones (HUB_MAX_FILTER_BYTES, HUB_MAX_REGEX_PER_REQUEST)
 * are configuration; these hold for every filter, stored replay filters
 * included, so they are constants.
 */
export const FilterLimits = {
  /** `types` and `patterns` together. */
  maxTypePatterns: 64,
  maxPatternLength: 256,
  maxRegexLength: 256,
  /**
   * The count in `{n}`, `{n,}`, `{n,m}`: RE2 compiles a counted repeat into
   * that many copies. Types are at most 255 characters, so no pattern needs more.
   */
  maxRegexRepeat: 255,
  /** Counted repeats nested inside each other multiply: `((a{0,10}){0,10}){0,10}` is 1,000 copies. */
  maxRegexRepeatProduct: 1000,
  /** Instructions of a compiled pattern (`.{0,255}` is 512); bounds compile time and memory. */
  maxRegexProgram: 2000,
  /** Compiled patterns kept for reuse by validation and matching alike. */
  regexCacheEntries: 256,
  maxConditions: 32,
  maxPathSegments: 16,
  /** Characters in a `where` path. */
  maxPathLength: 256,
  maxInValues: 100,
  /** Characters in a CONTAINS string. */
  maxContainsLength: 1024,
  /** Characters in any other `where` string value. */
  maxValueLength: 1024,
  /** Nesting of a `where` value; only scalars and lists of scalars are valid, so this only bounds the check itself. */
  maxValueDepth: 8,
  /** Characters in sourceId, subject, correlationId, causationId and actorId (the publish limits, or more). */
  maxIdLength: 512,
} as const;
