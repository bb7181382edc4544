/** Small statistics for the live benchmarks' reports. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "min–max" of the values. */
export const spread = (values: readonly number[], digits = 2): string =>
  values.length === 0 ? '–' : `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/** 12345.6 → "12,346". */
export const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');
