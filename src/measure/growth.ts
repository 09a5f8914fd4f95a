/**
 * Growth exponents: how a cost moves with the size of the work. The exponent is the least-squares slope of
 * log(value) on log(n): 1 for a cost linear in n (a flat scan's query time, total bytes), 0 for a constant (bytes
 * per vector), below 1 for a sublinear cost (an HNSW search), above 1 for a superlinear one.
 */
export interface GrowthPoint {
  n: number;
  value: number;
}

/**
 * The slope of log(value) against log(n) over the points (natural logs; the base cancels). NaN with fewer than two
 * distinct n, or when any value or n is not a positive finite number (a log-log fit has no meaning there).
 */
export function growthExponent(points: readonly GrowthPoint[]): number {
  if (points.some((p) => !(p.n > 0 && p.value > 0 && Number.isFinite(p.n) && Number.isFinite(p.value)))) return Number.NaN;
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.value));
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}
