/** Small statistics shared by the benchmark reports. */

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** The q-quantile by linear interpolation between the closest ranks (q = 0.95 → p95). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export const spread = (values: readonly number[], digits = 2): string =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/** 12345.6 → "12,346". */
export const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');
