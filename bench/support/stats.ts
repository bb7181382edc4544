/** Small statistics for the benchmark reports. */

/** The q-quantile by linear interpolation between the closest ranks (q = 0.99 → p99); NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = (sorted.length - 1) * q;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** "min–max" of the values; "–" for none. */
export const spread = (values: readonly number[], digits = 2): string =>
  values.length === 0 ? '–' : `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/** 12345.6 → "12,346". */
export const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');
