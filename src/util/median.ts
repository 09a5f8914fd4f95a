/** The one median in memopt: harness (metric medians, paired speedups), compare, charts and tests use it. */

/** Median of a list (not modified): the middle value, or the mean of the two middle values; NaN when empty. */
export function median(values: ArrayLike<number>): number {
  return medianOfSorted(Float64Array.from(values).sort());
}

/** Median of values already sorted ascending; NaN when empty. */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
