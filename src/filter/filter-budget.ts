import { setImmediate as nextTurn } from 'node:timers/promises';
import { badInput } from '../errors.ts';
import { compileFilter, type CompiledFilter } from './compile-filter.ts';
import { FilterLimits, PatternKind, type EventFilter } from './filter-input.ts';
import { sharedRegexes } from './regex-cache.ts';
import { estimateRegexCost } from './regex-cost.ts';

export interface FilterBudgetOptions {
  /** HUB_MAX_FILTER_BYTES: the largest filter argument, measured as JSON. */
  maxFilterBytes: number;
  /** HUB_MAX_REGEX_PER_REQUEST: REGEX patterns in all the filters of one request together. */
  maxRegexPerRequest: number;
  /** HUB_MAX_REGEX_INSTRUCTIONS: their compiled instructions together, as estimated from their text. */
  maxRegexInstructions: number;
}

/**
 * What the filters of one request may cost together. A query or mutation
 * has one (every alias and field of the operation draws from it), and so
 * does each subscribe: a budget per filter would let one request with 30
 * aliased `eventStats` fields ask for 30 times as much.
 *
 * REGEX patterns are what costs: compiling them here (re2js) takes time in
 * proportion to their instructions, and a store that runs them per document
 * (FerretDB compiles the pattern for every document it tests) pays that
 * again for each one. So the budget counts both patterns and instructions.
 */
export interface FilterBudget {
  /**
   * Measures the filter and takes its REGEX patterns from the request's
   * allowance; throws BAD_USER_INPUT (with `path`) when either is over.
   */
  charge(filter: EventFilter | null | undefined, path: readonly string[]): void;
}

export function createFilterBudget(options: FilterBudgetOptions): FilterBudget {
  let patterns = 0;
  let instructions = 0;
  return {
    charge(filter, path) {
      if (filter === null || filter === undefined) return;
      if (exceedsBytes(filter, options.maxFilterBytes)) {
        throw badInput(`a filter is limited to ${options.maxFilterBytes} bytes as JSON (HUB_MAX_FILTER_BYTES)`, path);
      }
      const sources = regexSources(filter);
      patterns += sources.length;
      if (patterns > options.maxRegexPerRequest) {
        throw badInput(
          `a request may hold at most ${options.maxRegexPerRequest} REGEX patterns in all its filters (HUB_MAX_REGEX_PER_REQUEST)`,
          [...path, 'patterns'],
        );
      }
      for (const source of sources) instructions += estimateRegexCost(source).instructions;
      if (instructions > options.maxRegexInstructions) {
        throw badInput(
          `the REGEX patterns of a request may compile to at most ${options.maxRegexInstructions} instructions together, ` +
            `these come to about ${instructions} (HUB_MAX_REGEX_INSTRUCTIONS); use fewer or shorter counted repeats`,
          [...path, 'patterns'],
        );
      }
    },
  };
}

/**
 * A filter of a request (any door: GraphQL, `/export`), checked against the request's `budget`
 * before any of it is compiled, its REGEX patterns compiled a turn of the event loop apart, then
 * compiled. Throws BAD_USER_INPUT under `path`.
 */
export async function compileWithinBudget(
  filter: EventFilter | null | undefined,
  budget: FilterBudget,
  path: readonly string[],
): Promise<CompiledFilter> {
  budget.charge(filter, path);
  await precompileRegexes(filter);
  return compileFilter(filter, { path });
}

/**
 * Compiles the filter's REGEX patterns into the shared cache one per turn of
 * the event loop, so that a request within its budget never holds the loop
 * for all of them at once (other requests, /healthz included, run between);
 * `compileFilter` then finds them compiled. A refused pattern is left for
 * `compileFilter` to report with its path; the refusal is cached too.
 */
export async function precompileRegexes(filter: EventFilter | null | undefined): Promise<void> {
  for (const source of regexSources(filter)) {
    await nextTurn();
    try {
      sharedRegexes.compile(source);
    } catch {
      // reported by compileFilter
    }
  }
}

function regexSources(filter: EventFilter | null | undefined): string[] {
  const patterns = filter?.patterns;
  if (!Array.isArray(patterns)) return [];
  return patterns.flatMap((pattern: unknown) => {
    if (typeof pattern !== 'object' || pattern === null) return [];
    const { kind, value } = pattern as { kind?: unknown; value?: unknown };
    return kind === PatternKind.REGEX && typeof value === 'string' && value.length <= FilterLimits.maxRegexLength
      ? [value]
      : [];
  });
}

/**
 * Whether the filter's JSON would be longer than `max` (strings counted in
 * UTF-16 units). Walks with its own stack and stops as soon as it is over,
 * so a huge or deeply nested value costs no more than `max` to refuse;
 * JSON.stringify would copy all of it, or overflow the call stack.
 */
export function exceedsBytes(value: unknown, max: number): boolean {
  const stack: unknown[] = [value];
  let bytes = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') bytes += node.length + 2;
    else if (node instanceof Date) bytes += 26;
    else if (typeof node !== 'object' || node === null) bytes += String(node).length;
    else if (Array.isArray(node)) {
      bytes += 1 + node.length;
      if (bytes > max) return true;
      for (const item of node) stack.push(item);
    } else {
      bytes += 1;
      for (const key in node) {
        bytes += key.length + 4;
        if (bytes > max) return true;
        stack.push((node as Record<string, unknown>)[key]);
      }
    }
    if (bytes > max) return true;
  }
  return false;
}
