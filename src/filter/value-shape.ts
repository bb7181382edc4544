import { badInput } from '../errors.ts';
import { FilterLimits } from './filter-input.ts';

/** Nodes a `where` value may hold: IN's 100 values with room to spare; anything larger is refused unread. */
const MAX_NODES = 1000;

/**
 * Checks a `where` value before anything else reads it: no object key
 * starting with `$` (values are data, never operators), no string over
 * `maxValueLength`, no nesting over `maxValueDepth`, at most 1,000 nodes.
 * It walks with its own stack, never the call stack, so a value nested a
 * million levels deep (JSON variables are not bound by the GraphQL token
 * limit) is refused with BAD_USER_INPUT rather than a stack overflow.
 * The message names where inside the value the problem is.
 */
export function checkValueShape(value: unknown, at: readonly string[]): void {
  const stack: { node: unknown; inner: string[] }[] = [{ node: value, inner: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { node, inner } = stack.pop()!;
    nodes += 1;
    if (nodes > MAX_NODES) throw badInput(`a where value is limited to ${MAX_NODES} items and keys`, at);
    const where = inner.length === 0 ? '' : ` (at value.${inner.join('.')})`;
    if (typeof node === 'string' && node.length > FilterLimits.maxValueLength) {
      throw badInput(`strings in a where value are limited to ${FilterLimits.maxValueLength} characters${where}`, at);
    }
    if (typeof node !== 'object' || node === null) continue;
    if (inner.length >= FilterLimits.maxValueDepth) {
      throw badInput(`a where value is nested deeper than ${FilterLimits.maxValueDepth} levels${where}`, at);
    }
    if (Array.isArray(node)) {
      if (nodes + node.length > MAX_NODES)
        throw badInput(`a where value is limited to ${MAX_NODES} items and keys`, at);
      node.forEach((item, i) => {
        stack.push({ node: item, inner: [...inner, String(i)] });
      });
      continue;
    }
    // for…in rather than Object.entries: a huge object is refused before it is copied.
    let keys = 0;
    for (const key in node) {
      keys += 1;
      if (nodes + keys > MAX_NODES) throw badInput(`a where value is limited to ${MAX_NODES} items and keys`, at);
      if (key.startsWith('$')) throw badInput(`values are data, never operators: "${key}" is not allowed${where}`, at);
      stack.push({ node: (node as Record<string, unknown>)[key], inner: [...inner, key] });
    }
  }
}
