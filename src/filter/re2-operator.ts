import { ensureArray, flatten, resolve } from 'mingo/util';
import { RE2JS } from 're2js';
import { sharedRegexes } from './regex-cache.ts';

/**
 * How `$regex` runs in process, in linear time.
 *
 * mingo evaluates `$regex` with a JS `RegExp` (backtracking, so a user regex
 * could take exponential time), and a `RegExp` subclass cannot route it to
 * RE2: mingo's `Query` deep-clones its criteria with `new RegExp(re)` and
 * rebuilds `{ $regex, $options }` with `new RegExp(...)`, both of which
 * yield plain RegExps; built-in operators also cannot be overridden through
 * a custom context. So the matcher hands mingo a copy of the query in which
 * every `{ $regex, $options? }` reads `{ $re2: { source, flags } }`, a query
 * operator registered here that evaluates with re2js. The document sent to
 * MongoDB keeps `$regex` (PCRE, made safe by `checkUserRegex`). RE2 syntax
 * that JS cannot even parse (`(?i)`, `(?P<n>...)`, `\z`) works this way too.
 */
export const RE2_OPERATOR = '$re2';

export interface Re2Spec {
  source: string;
  /** MongoDB `$options` letters; i, m and s are supported. */
  flags: string;
}

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

function compileSpec(spec: Re2Spec): RE2JS {
  let bits = 0;
  for (const flag of spec.flags) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) throw new Error(`regex option "${flag}" is not supported in process`);
    bits |= bit;
  }
  // The validated user patterns are already in the cache: matching does not compile them again.
  return sharedRegexes.compile(spec.source, bits);
}

/**
 * Same array semantics as mingo's `$regex` (and MongoDB's): a field matches
 * when it is a matching string or an array holding one.
 */
export const $re2 = (selector: string, value: Re2Spec) => {
  const re = compileSpec(value);
  const test = (candidate: unknown) => typeof candidate === 'string' && re.test(candidate);
  return (doc: Record<string, unknown>) => {
    const found = ensureArray(resolve(doc, selector, { unwrapArray: true }));
    return found.some(test) || flatten(found, 1).some(test);
  };
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

function toSpec(pattern: unknown, options: unknown): Re2Spec {
  const extra = typeof options === 'string' ? options : '';
  if (typeof pattern === 'string') return { source: pattern, flags: extra };
  if (pattern instanceof RegExp) return { source: pattern.source, flags: pattern.flags.replace(/[gyd]/g, '') + extra };
  throw new Error('$regex takes a string or a RegExp');
}

/** A copy of `query` with every `$regex` turned into `$re2`; other values are shared. */
export function withRe2(node: unknown): unknown {
  if (node instanceof RegExp) throw new Error('a bare RegExp in a query would run on the JS engine; use $regex');
  if (Array.isArray(node)) return node.map(withRe2);
  if (!isPlainObject(node)) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$options') continue;
    if (key === '$regex') copy[RE2_OPERATOR] = toSpec(value, node['$options']);
    else copy[key] = withRe2(value);
  }
  return copy;
}
