/**
 * The statistics behind `memopt compare`, on plain arrays: a two-sided Mann-Whitney U test (exact without ties for
 * small samples, else the normal approximation with tie and continuity corrections), Cliff's delta as its effect
 * size, and a seeded percentile-bootstrap confidence interval of the ratio of medians.
 *
 * Why these: repetition counts are small (2 to 10 per side), timings are skewed and carry outliers (a GC pause, a
 * neighbour's burst), and nothing here is normal. A rank test makes no assumption on the shape; Cliff's delta is
 * the same U read as "how often does a current sample beat a saved one"; and a ratio is how a change in time is
 * spoken of ("12% slower"). The bootstrap draws from a seeded generator, so one pair of runs always gets one answer.
 */
import { median, medianOfSorted } from '../util/median.ts';
import { createRng, seedFromString } from '../util/rng.ts';

export { median } from '../util/median.ts';

export interface MannWhitneyResult {
  /** U for the second sample: pairs (x, y) with y > x, ties counted as 1/2. */
  u: number;
  /** Two-sided p-value (1 when there is nothing to test: an empty side, or every value tied). */
  pValue: number;
  /** Cliff's delta, P(y > x) - P(y < x), in [-1, 1]: > 0 when the second sample tends to be larger. */
  effectSize: number;
  /** 'exact' (no ties, both sides <= 50) or 'normal' (approximation with tie and continuity corrections). */
  method: 'exact' | 'normal' | 'none';
}

const EXACT_LIMIT = 50;

/** Two-sided Mann-Whitney U test of `x` (saved) against `y` (current). */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { u: 0, pValue: 1, effectSize: 0, method: 'none' };
  let u = 0;
  for (const yj of y) {
    for (const xi of x) {
      if (yj > xi) u += 1;
      else if (yj === xi) u += 0.5;
    }
  }
  const effectSize = (2 * u) / (m * n) - 1;

  // Tie groups over the pooled sample.
  const pooled = [...x, ...y].sort((a, b) => a - b);
  let tieTerm = 0;
  let hasTies = false;
  for (let i = 0; i < pooled.length; ) {
    let j = i + 1;
    while (j < pooled.length && pooled[j] === pooled[i]) j++;
    const t = j - i;
    if (t > 1) {
      hasTies = true;
      tieTerm += t * t * t - t;
    }
    i = j;
  }

  if (!hasTies && m <= EXACT_LIMIT && n <= EXACT_LIMIT) {
    const dist = exactUDistribution(m, n);
    let lower = 0;
    let upper = 0;
    for (let k = 0; k < dist.length; k++) {
      if (k <= u) lower += dist[k];
      if (k >= u) upper += dist[k];
    }
    return { u, pValue: Math.min(1, 2 * Math.min(lower, upper)), effectSize, method: 'exact' };
  }

  const total = m + n;
  const variance = ((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  if (variance <= 0) return { u, pValue: 1, effectSize, method: 'normal' };
  const mean = (m * n) / 2;
  const distance = Math.max(0, Math.abs(u - mean) - 0.5);
  if (distance === 0) return { u, pValue: 1, effectSize, method: 'normal' };
  const z = distance / Math.sqrt(variance);
  return { u, pValue: Math.min(1, 2 * normalUpperTail(z)), effectSize, method: 'normal' };
}

const exactCache = new Map<string, Float64Array>();

/**
 * P(U = k) for k = 0..m*n under the null hypothesis, without ties. The pooled sample's largest value is from y with
 * probability n/(m+n), and then beats all m x's: P(u; m, n) = n/(m+n) P(u-m; m, n-1) + m/(m+n) P(u; m-1, n).
 * Probabilities rather than counts, so large binomials stay within double precision.
 */
export function exactUDistribution(m: number, n: number): Float64Array {
  const key = `${m}x${n}`;
  const cached = exactCache.get(key);
  if (cached) return cached;
  // rows[i][j] is the distribution for sizes (i, j); built for j from 0..n with i from 0..m.
  let previousRow: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    const row: Float64Array[] = [];
    for (let j = 0; j <= n; j++) {
      const dist = new Float64Array(i * j + 1);
      if (i === 0 || j === 0) dist[0] = 1;
      else {
        const fromY = row[j - 1]; // sizes (i, j-1)
        const fromX = previousRow[j]; // sizes (i-1, j)
        const pY = j / (i + j);
        const pX = i / (i + j);
        for (let k = 0; k < fromY.length; k++) dist[k + i] += pY * fromY[k];
        for (let k = 0; k < fromX.length; k++) dist[k] += pX * fromX[k];
      }
      row.push(dist);
    }
    previousRow = row;
  }
  const result = previousRow[n];
  exactCache.set(key, result);
  return result;
}

/** P(Z > z) for a standard normal (Abramowitz and Stegun 7.1.26 via erfc; error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  if (z === 0) return 0.5;
  if (z < 0) return 1 - normalUpperTail(-z);
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-x * x);
}

export interface RatioInterval {
  /** Ratio of medians current / saved. */
  ratio: number;
  /** Bounds of the ratio's confidence interval. */
  low: number;
  high: number;
  confidence: number;
  resamples: number;
}

/**
 * Percentile-bootstrap confidence interval of median(current) / median(saved): each resample draws both sides with
 * replacement, independently. Null when a side has fewer than 2 values or the saved median is 0. Seeded by `seedKey`
 * (e.g. scenario/side/metric), so the same two runs always give the same interval.
 */
export function bootstrapRatioInterval(
  saved: readonly number[],
  current: readonly number[],
  options: { confidence: number; resamples?: number; seedKey: string },
): RatioInterval | null {
  if (saved.length < 2 || current.length < 2) return null;
  const savedMedian = median(saved);
  if (savedMedian === 0) return null;
  const ratio = median(current) / savedMedian;
  const resamples = options.resamples ?? 2000;
  const rng = createRng(seedFromString(`bootstrap:${options.seedKey}`));
  const a = new Float64Array(saved.length);
  const b = new Float64Array(current.length);
  const ratios = new Float64Array(resamples);
  let kept = 0;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) a[i] = saved[Math.floor(rng.next() * saved.length)];
    for (let i = 0; i < b.length; i++) b[i] = current[Math.floor(rng.next() * current.length)];
    const denominator = medianOfSorted(a.sort());
    if (denominator === 0) continue;
    ratios[kept++] = medianOfSorted(b.sort()) / denominator;
  }
  if (kept === 0) return null;
  const sorted = ratios.subarray(0, kept).sort();
  const tail = (1 - options.confidence) / 2;
  return {
    ratio,
    low: quantile(sorted, tail),
    high: quantile(sorted, 1 - tail),
    confidence: options.confidence,
    resamples: kept,
  };
}

/** Linear interpolation between order statistics of a sorted array. */
function quantile(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}
