/** Quantiles over samples; NaN (printed as "-") when there are none. */

export const sortNum = (values: number[]): number[] => [...values].sort((a, b) => a - b);

/** The nearest-rank quantile of already sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: number[]): number => quantile(sortNum(values), 0.5);
export const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
