/** What a reader must have received: every stored position once, ascending, and nothing else. */
export interface Expected {
  /** Positions of stored events, ascending (1..highest without the tombstones), plus live ones as they are published. */
  positions: number[];
  tombstones: ReadonlySet<number>;
}

export interface CheckResult {
  received: number;
  /** Expected positions that never arrived (within what was read: up to the last one received). */
  gaps: number;
  /** Positions at or below one received before: repeats, or out of order. */
  duplicates: number;
  /** Positions that are no stored event (a tombstone delivered, or a position that does not exist). */
  unexpected: number;
  /** The whole expected sequence arrived. */
  complete: boolean;
}

/**
 * Compares what a reader received with the expected positions. With
 * `prefix`, only the positions up to the last one received are expected (a
 * reader stopped by its time budget).
 */
export function check(received: readonly number[], expected: Expected, prefix = false): CheckResult {
  const wanted = new Set(expected.positions);
  let duplicates = 0;
  let unexpected = 0;
  let last = 0;
  const seen = new Set<number>();
  for (const position of received) {
    if (position <= last) duplicates += 1;
    else if (!wanted.has(position)) unexpected += 1;
    else seen.add(position);
    last = Math.max(last, position);
  }
  const upTo = prefix ? last : Number.POSITIVE_INFINITY;
  const gaps = expected.positions.filter((p) => p <= upTo && !seen.has(p)).length;
  return {
    received: received.length,
    gaps,
    duplicates,
    unexpected,
    complete: gaps === 0 && seen.size === expected.positions.length,
  };
}

/** Positions 1..highest except the tombstones. */
export function storedPositions(highest: number, tombstones: ReadonlySet<number>): number[] {
  const positions: number[] = [];
  for (let p = 1; p <= highest; p++) if (!tombstones.has(p)) positions.push(p);
  return positions;
}
