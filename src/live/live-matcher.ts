import { isDeepStrictEqual } from 'node:util';
import { createMatcher, type CompiledFilter, type EventMatcher } from '../filter/index.ts';
import { typeQuery } from '../filter/type-patterns.ts';

/**
 * What the subscription index answers exactly: an exact type is a map
 * lookup, a prefix the same `startsWith` the filter's anchored regex is.
 * Wildcards and regexes are left to the full matcher.
 */
const DECIDED_BY_INDEX = new Set(['exact', 'prefix']);

/** For subscriptions the index alone selects: nothing left to test. */
export const indexDecides: EventMatcher = () => true;

/**
 * The full matcher a live subscription needs beyond the index. A filter of
 * nothing but exact types and prefixes (the common "follow this key"
 * subscription) needs none: the index hands it exactly its events, so it
 * shares `indexDecides` instead of compiling a query of its own (a mingo
 * query takes kilobytes, and thousands of subscribers each on its own key
 * would hold one each; bench:s4 measures it). Anything else gets the full matcher, shared by equal
 * filters (createMatcher).
 */
export function matcherFor(filter: CompiledFilter): EventMatcher {
  const patterns = filter.typePatterns;
  if (
    patterns !== null &&
    patterns.length > 0 &&
    patterns.every((pattern) => DECIDED_BY_INDEX.has(pattern.kind)) &&
    isDeepStrictEqual(filter.query, typeQuery(patterns))
  )
    return indexDecides;
  return createMatcher(filter);
}
