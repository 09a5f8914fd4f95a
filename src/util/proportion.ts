/**
 * Confidence bounds of a proportion (a false-hit rate out of hits), and the standard normal quantile they need.
 */

/**
 * The standard normal quantile: z with P(Z <= z) = p, for 0 < p < 1. Acklam's rational approximation (relative
 * error below 1.2e-9). simple-statistics' `probit` is a coarser table-based
 * approximation (1.9572 for p = 0.975, against 1.95996), too coarse for a bound reported to four digits.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), found ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

export interface WilsonInterval {
  /** successes / trials (0 when there are no trials). */
  rate: number;
  lower: number;
  upper: number;
}

/**
 * The Wilson score interval of `successes` out of `trials` at two-sided confidence `confidence` (default 0.95:
 * z = 1.95996). With no trials the interval is [0, 1]: nothing was measured. Unlike the normal approximation it
 * stays inside [0, 1] and gives a non-zero upper bound for 0 successes (z^2 / (n + z^2)).
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): WilsonInterval {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: expected integers 0 <= successes <= trials, found ${successes} of ${trials}`);
  }
  if (trials === 0) return { rate: 0, lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { rate: p, lower: successes === 0 ? 0 : Math.max(0, centre - half), upper: successes === n ? 1 : Math.min(1, centre + half) };
}
