import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import { FilterLimits } from './filter-input.ts';
import { estimateRegexCost } from './regex-cost.ts';

/** A pattern the hub will not run: too costly to compile, or not RE2; the message says which, for the caller. */
export class RegexRefused extends Error {
  override readonly name = 'RegexRefused';
}

export interface RegexCacheOptions {
  /** Compiled patterns kept; the least recently used goes first. */
  maxEntries: number;
}

export interface RegexCache {
  /**
   * The compiled pattern, from the cache or compiled now; throws RegexRefused
   * when the pattern is too costly (checked on its text before compiling) or
   * RE2 refuses it. Refusals after compiling are cached too, so a hostile
   * pattern sent again costs nothing.
   */
  compile(source: string, flags?: number): RE2JS;
  readonly size: number;
  /** How many times RE2 compiled something: a cached pattern does not count. */
  readonly compilations: number;
}

type Entry = { regex: RE2JS } | { refused: string };

export function createRegexCache({ maxEntries }: RegexCacheOptions): RegexCache {
  const entries = new LRUCache<string, Entry>({ max: maxEntries });
  let compilations = 0;
  return {
    compile(source, flags = 0) {
      const key = `${flags}/${source}`;
      let entry = entries.get(key);
      if (!entry) {
        checkCost(source);
        compilations += 1;
        entry = compileBounded(source, flags);
        entries.set(key, entry);
      }
      if ('refused' in entry) throw new RegexRefused(entry.refused);
      return entry.regex;
    },
    get size() {
      return entries.size;
    },
    get compilations() {
      return compilations;
    },
  };
}

/** The cheap bounds, on the text alone, so a hostile pattern never reaches the compiler. */
function checkCost(source: string): void {
  const { maxRegexRepeat, maxRegexRepeatProduct, maxRegexProgram } = FilterLimits;
  const cost = estimateRegexCost(source);
  if (cost.largestRepeat > maxRegexRepeat) {
    throw new RegexRefused(`a counted repeat such as {0,${cost.largestRepeat}} is limited to ${maxRegexRepeat}`);
  }
  if (cost.repeatProduct > maxRegexRepeatProduct) {
    throw new RegexRefused(
      `nested counted repeats multiply to ${cost.repeatProduct}; the limit is ${maxRegexRepeatProduct}`,
    );
  }
  if (cost.instructions > maxRegexProgram) {
    throw new RegexRefused(
      `the pattern would compile to about ${cost.instructions} instructions; the limit is ${maxRegexProgram}`,
    );
  }
}

function compileBounded(source: string, flags: number): Entry {
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(source, flags);
  } catch (error) {
    return {
      refused: `not a valid RE2 regular expression (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  // The estimate is tested never to fall below this; the exact check stays in case RE2 changes.
  const size = regex.programSize();
  if (size > FilterLimits.maxRegexProgram) {
    return { refused: `the pattern compiles to ${size} instructions; the limit is ${FilterLimits.maxRegexProgram}` };
  }
  return { regex };
}

/** The one cache the filter validation and the in-process matcher share: each distinct pattern compiles once. */
export const sharedRegexes: RegexCache = createRegexCache({ maxEntries: FilterLimits.regexCacheEntries });
