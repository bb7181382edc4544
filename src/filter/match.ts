import { Context, Query } from 'mingo';
import type { QueryOperator } from 'mingo/types';
import type { CompiledFilter } from './compile-filter.ts';
import { $re2, RE2_OPERATOR, withRe2 } from './re2-operator.ts';

// mingo's operator type is an intersection of all its built-ins' signatures.
const context = Context.init().addQueryOps({ [RE2_OPERATOR]: $re2 as unknown as QueryOperator });

/** Tests one stored event (or any document of that shape) against a compiled filter. */
export type EventMatcher = (doc: object) => boolean;

/**
 * Evaluates `compiled.query` with mingo, MongoDB's semantics in process.
 * The query is compiled once here; call the matcher once per event.
 * `$regex` runs on re2js (linear time), see `re2-operator.ts`.
 */
export function createMatcher(compiled: CompiledFilter): EventMatcher {
  if (Object.keys(compiled.query).length === 0) return () => true;
  const query = new Query(withRe2(compiled.query) as Record<string, unknown>, { context });
  return (doc) => query.test(doc as Record<string, unknown>);
}
