import { badInput } from '../errors.ts';

/** Deeper documents are refused: MongoDB caps nesting at 100 and nobody needs 32. */
export const MAX_JSON_DEPTH = 32;

/**
 * Free JSON (payload, attributes) must be storable and queryable the same way
 * on every store: keys may not start with `$` (operators) or contain `.`
 * (path separators), arrays may not directly hold arrays, and nesting is bounded.
 */
export function assertStorableJson(value: unknown, path: string[], depth = 0): void {
  if (depth > MAX_JSON_DEPTH) throw badInput(`nested deeper than ${MAX_JSON_DEPTH} levels`, path);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      // FerretDB v1 cannot store an array directly inside an array; MongoDB can, but events must fit every store
      if (Array.isArray(item))
        throw badInput('arrays of arrays are not supported; wrap the inner array in an object', [...path, String(i)]);
      assertStorableJson(item, [...path, String(i)], depth + 1);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$') || key.includes('.') || key.includes('\0') || key === '') {
      throw badInput(`key "${key}" is not allowed: keys may not be empty, start with "$" or contain "."`, [
        ...path,
        key,
      ]);
    }
    assertStorableJson(item, [...path, key], depth + 1);
  }
}
