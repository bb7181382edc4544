/** The operators whose value is a list of whole clauses, each with field paths of its own. */
const LOGICAL = new Set(['$and', '$or', '$nor']);

/**
 * A copy of a compiled filter's query (`CompiledFilter.query`, written for a
 * stored event's own fields) that selects documents holding the event under
 * `prefix`: `{ type: { $eq: 'a.b' } }` becomes `{ 'event.type': { $eq: 'a.b' } }`.
 *
 * Field paths at clause level get `prefix.` in front; `$and`, `$or` and `$nor`
 * are walked clause by clause. What sits under a field is kept as it is
 * (`$eq`, `$regex` with its pattern, `$elemMatch`, `$in` lists, dates), because
 * it applies to that field wherever the field lives: the query reaches the
 * server exactly as `EventStore.query` sends it, only deeper. (The in-process
 * `$re2` operator never appears here: the matcher swaps `$regex` for it in a
 * copy of its own.) Any other operator at clause level (`$expr`, `$where`,
 * `$text`, ...) is refused, since it could reach outside the sub-document; the
 * filter compiler emits none.
 */
export function prefixQuery(query: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (LOGICAL.has(key)) {
      if (!Array.isArray(value)) throw new Error(`${key} must hold a list of clauses`);
      copy[key] = value.map((clause: unknown) => {
        if (typeof clause !== 'object' || clause === null || Array.isArray(clause)) {
          throw new Error(`every clause of ${key} must be a query document`);
        }
        return prefixQuery(clause as Record<string, unknown>, prefix);
      });
    } else if (key.startsWith('$')) {
      throw new Error(`cannot move a query using ${key} under "${prefix}"`);
    } else {
      copy[`${prefix}.${key}`] = value;
    }
  }
  return copy;
}
