/**
 * The exact counters of a run, and where two runs' differ. An exact metric (MetricClass 'exact') is a pure function
 * of the code, the seed and the inputs, so two runs of one commit and seed must agree on every one of them, sample
 * by sample: whatever the machine's load, sharded or not. `memopt merge` and scripts/determinism-check.ts use this.
 */
import { resolveMetricClass } from './compare-policy.ts';
import type { ScenarioResult } from './types.ts';

/** One exact counter that differs between two runs (or is missing from one). */
export interface ExactDifference {
  scenario: string;
  metric: string;
  side: 'baseline' | 'optimized';
  /** Every repetition's value in each run; null when the run has no such counter. */
  a: number[] | null;
  b: number[] | null;
}

/** Exact counters of one scenario result: `metric/side` -> every repetition's value. Errored results have none. */
export function exactCounters(result: ScenarioResult): Map<string, number[]> {
  const counters = new Map<string, number[]>();
  if (result.status === 'errored') return counters;
  for (const metric of result.metrics) {
    if (resolveMetricClass(metric) !== 'exact') continue;
    if (metric.baselineSamples.length > 0) counters.set(`${metric.name}/baseline`, metric.baselineSamples);
    if (metric.optimizedSamples.length > 0) counters.set(`${metric.name}/optimized`, metric.optimizedSamples);
  }
  return counters;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/**
 * Every exact counter on which the scenarios both runs have differ, by name; a counter only one run has is a
 * difference too. Scenarios only one run has are not compared (the caller decides whether that is an error).
 */
export function exactCounterDifferences(a: readonly ScenarioResult[], b: readonly ScenarioResult[]): ExactDifference[] {
  const differences: ExactDifference[] = [];
  const byName = new Map(b.map((result) => [result.name, result]));
  for (const left of a) {
    const right = byName.get(left.name);
    if (!right) continue;
    const ca = exactCounters(left);
    const cb = exactCounters(right);
    for (const key of new Set([...ca.keys(), ...cb.keys()])) {
      const va = ca.get(key) ?? null;
      const vb = cb.get(key) ?? null;
      if (va && vb && same(va, vb)) continue;
      const slash = key.lastIndexOf('/');
      differences.push({ scenario: left.name, metric: key.slice(0, slash), side: key.slice(slash + 1) as ExactDifference['side'], a: va, b: vb });
    }
  }
  return differences;
}

/** `scenario metric (side): 28 vs 29` for a message; samples joined by spaces when there are several. */
export function describeDifference(d: ExactDifference): string {
  const text = (v: number[] | null) => (v === null ? '(absent)' : v.join(' '));
  return `${d.scenario} ${d.metric} (${d.side}): ${text(d.a)} vs ${text(d.b)}`;
}
