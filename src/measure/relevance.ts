/**
 * Relevance of a ranked answer against labelled relevant ids (binary labels), as agent-memory benchmarks report it:
 * recall_any@k (a relevant memory is among the first k), recall_all@k (every relevant memory is), NDCG@k (binary
 * gains, log2 discount, ideal = every relevant memory first). Each is a per-search value in [0, 1]; a report
 * averages them over the labelled searches and gives a confidence interval.
 */

/** 1 when any of `relevant` is among the first k of `ranked`, else 0. */
export function recallAny(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (relevant.has(ranked[i])) return 1;
  return 0;
}

/** 1 when every one of `relevant` is among the first k of `ranked` (impossible when k < relevant.size), else 0. */
export function recallAll(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let found = 0;
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (relevant.has(ranked[i])) found++;
  return found === relevant.size ? 1 : 0;
}

/** NDCG@k with binary gains: DCG of `ranked` over the DCG of an ideal ranking (every relevant id first). */
export function ndcg(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

/** The cut-offs every relevance metric is reported at. */
export const RELEVANCE_KS = [1, 5, 10, 20] as const;

/** Sums of per-search relevance values, by metric name (`recall_any_at_10`, ...), and the searches counted. */
export class RelevanceTally {
  readonly sums = new Map<string, number>();
  /** Per-search recall_any@10 values, in order (for paired comparisons and intervals). */
  readonly anyAt10: number[] = [];
  count = 0;

  add(ranked: readonly string[], relevant: ReadonlySet<string>): void {
    this.count++;
    for (const k of RELEVANCE_KS) {
      this.bump(`recall_any_at_${k}`, recallAny(ranked, relevant, k));
      this.bump(`recall_all_at_${k}`, recallAll(ranked, relevant, k));
    }
    this.bump('ndcg_at_10', ndcg(ranked, relevant, 10));
    this.anyAt10.push(recallAny(ranked, relevant, 10));
  }

  /** Mean of each metric over the searches counted (NaN when none was labelled). */
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of RELEVANCE_KS) for (const kind of ['any', 'all']) out[`recall_${kind}_at_${k}`] = Number.NaN;
    out.ndcg_at_10 = Number.NaN;
    for (const [name, sum] of this.sums) out[name] = this.count > 0 ? sum / this.count : Number.NaN;
    return out;
  }

  private bump(name: string, value: number): void {
    this.sums.set(name, (this.sums.get(name) ?? 0) + value);
  }
}

/** Wilson score interval of a proportion (successes of n), at z (1.96: 95%). [NaN, NaN] for n = 0. */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [Number.NaN, Number.NaN];
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/**
 * A percentile-bootstrap confidence interval of mean(a - b) over paired per-search values (the same searches
 * answered by two stacks), resampling searches with `random` (seeded by the caller). [NaN, NaN] for no pairs.
 */
export function pairedBootstrapInterval(
  a: readonly number[],
  b: readonly number[],
  random: () => number,
  options: { iterations?: number; confidence?: number } = {},
): [number, number] {
  const n = Math.min(a.length, b.length);
  if (n === 0) return [Number.NaN, Number.NaN];
  const iterations = options.iterations ?? 2000;
  const alpha = 1 - (options.confidence ?? 0.95);
  const means = new Float64Array(iterations);
  for (let r = 0; r < iterations; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      sum += a[j] - b[j];
    }
    means[r] = sum / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(iterations - 1, Math.max(0, Math.floor(q * iterations)))];
  return [at(alpha / 2), at(1 - alpha / 2)];
}
