/**
 * The positions of one tenant that the bus has shown this process, as
 * disjoint ascending runs `[first, last]`. The handler runtime asks it
 * whether every position of a range came by on the bus: then the bus has
 * said what each of them holds, and a line none of them matched need not
 * read the range from the store (on FerretDB every read is a scan).
 *
 * A position the bus never shows (a lost message, a gap tombstone, an event
 * of a process on another bus) stays a hole between runs, so a range over it
 * is never covered and the line reads it. Bus traffic arrives nearly in
 * order, so the runs are few; past `maxRuns` the lowest are forgotten, which
 * only makes a line far behind read, as it would anyway.
 */
export interface ShownPositions {
  add(position: number): void;
  /** Whether every position in `(after, through]` was shown. True for an empty range. */
  covers(after: number, through: number): boolean;
  /** The highest position shown, 0 before any (forgetting drops the lowest runs, never this). */
  highest(): number;
}

export function createShownPositions(maxRuns = 256): ShownPositions {
  /** Sorted by `first`, disjoint and not adjacent (adjacent runs are merged). */
  const runs: [first: number, last: number][] = [];

  /** Index of the last run starting at or below `position`, -1 when none does. */
  function runAtOrBelow(position: number): number {
    let low = 0;
    let high = runs.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (runs[mid]![0] <= position) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  return {
    add(position) {
      const i = runAtOrBelow(position);
      const run = runs[i];
      if (run && position <= run[1]) return; // shown before
      const next = runs[i + 1];
      const extendsRun = run !== undefined && position === run[1] + 1;
      const joinsNext = next !== undefined && position === next[0] - 1;
      if (extendsRun && joinsNext) {
        run[1] = next[1];
        runs.splice(i + 1, 1);
      } else if (extendsRun) {
        run[1] = position;
      } else if (joinsNext) {
        next[0] = position;
      } else {
        runs.splice(i + 1, 0, [position, position]);
        if (runs.length > maxRuns) runs.shift();
      }
    },
    covers(after, through) {
      if (through <= after) return true;
      const run = runs[runAtOrBelow(after + 1)];
      return run !== undefined && run[1] >= through;
    },
    highest: () => runs.at(-1)?.[1] ?? 0,
  };
}
