import { Context, Query } from 'mingo';
import type { QueryOperator } from 'mingo/types';
import type { CompiledFilter } from './compile-filter.ts';
import { $re2, RE2_OPERATOR, withRe2 } from './re2-operator.ts';

// mingo's operator type is an intersection of all its built-ins' signatures.
const context = Context.init().addQueryOps({ [RE2_OPERATOR]: $re2 as unknown as QueryOperator });

/** Tests one stored event (or any document of that shape) against a compiled filter. */
export type EventMatcher = (doc: object) => boolean;

const matchAll: EventMatcher = () => true;

/**
 * Matchers in use, by query. A compiled mingo query costs about 3.6 KB, and
 * a live hub holds one per subscription: thousands of subscribers of one
 * stream share one. Held weakly, so a matcher goes once no subscription,
 * handler or read holds it (mingo's `test` keeps no state between calls).
 */
const inUse = new Map<string, WeakRef<EventMatcher>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (inUse.get(key)?.deref() === undefined) inUse.delete(key);
});

/**
 * Evaluates `compiled.query` with mingo, MongoDB's semantics in process.
 * The query is compiled once here (and shared by equal queries); call the
 * matcher once per event. `$regex` runs on re2js (linear time), see
 * `re2-operator.ts`.
 */
export function createMatcher(compiled: CompiledFilter): EventMatcher {
  if (Object.keys(compiled.query).length === 0) return matchAll;
  const key = queryKey(compiled.query);
  const shared = key === null ? undefined : inUse.get(key)?.deref();
  if (shared) return shared;
  const query = new Query(withRe2(compiled.query) as Record<string, unknown>, { context });
  const matcher: EventMatcher = (doc) => query.test(doc as Record<string, unknown>);
  if (key !== null) {
    inUse.set(key, new WeakRef(matcher));
    forget.register(matcher, key);
  }
  return matcher;
}

/**
 * A text that only equal queries share: every value carries its kind, so a
 * Date never meets the string it prints as, nor `{ "$date": … }` data. Null
 * for anything else (not shared).
 */
function queryKey(value: unknown): string | null {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (value === undefined) return 'u';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `D${value.getTime()}`;
  if (value instanceof RegExp) return `R${JSON.stringify([value.source, value.flags])}`;
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const part = queryKey(item);
      if (part === null) return null;
      parts.push(part);
    }
    return `[${parts.join(',')}]`;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return null;
  for (const [name, item] of Object.entries(value)) {
    const part = queryKey(item);
    if (part === null) return null;
    parts.push(`${JSON.stringify(name)}:${part}`);
  }
  return `{${parts.join(',')}}`;
}
