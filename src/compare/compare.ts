import { DEFAULT_STATISTICAL_NOISE_PCT, resolveComparePolicy } from '../harness/compare-policy.ts';
import type { CheckedInput, ComparePolicy, MetricResult, RunReport, ScenarioResult } from '../harness/types.ts';
import { bootstrapRatioInterval, mannWhitneyU, median } from './statistics.ts';
import type { CompareOptions, MetricComparison, RunComparison, RunIdentity, ScenarioComparison, Verdict } from './types.ts';

/**
 * Compares a current run with a saved one, scenario by scenario, variant by variant, metric by metric. Scenarios are
 * matched by name; a scenario whose seed or quick mode differs is 'not-comparable' (its counters would differ for
 * that reason alone). The policy for each metric is the current run's (see `ComparePolicy`).
 */
export function compareRuns(
  saved: { ref: string; report: RunReport },
  current: { ref: string; report: RunReport },
  options: CompareOptions = {},
): RunComparison {
  const scenarios: ScenarioComparison[] = [];
  const savedByName = new Map(saved.report.scenarios.map((s) => [s.name, s]));
  const currentNames = new Set(current.report.scenarios.map((s) => s.name));
  for (const now of current.report.scenarios) {
    const before = savedByName.get(now.name);
    if (!before) {
      scenarios.push({ name: now.name, status: 'only-current', note: 'not in the saved run', configChanges: [], metrics: [] });
      continue;
    }
    scenarios.push(compareScenario(before, now, options));
  }
  for (const before of saved.report.scenarios) {
    if (!currentNames.has(before.name)) {
      scenarios.push({ name: before.name, status: 'only-saved', note: 'not in the current run', configChanges: [], metrics: [] });
    }
  }
  return {
    saved: identity(saved.ref, saved.report),
    current: identity(current.ref, current.report),
    scenarios,
    warnings: environmentWarnings(saved.report, current.report),
  };
}

function identity(ref: string, report: RunReport): RunIdentity {
  const env = report.environment;
  return { ref, runId: env.runId, startedAt: env.startedAt, gitCommit: env.gitCommit, quick: env.quick };
}

export function compareScenario(saved: ScenarioResult, current: ScenarioResult, options: CompareOptions = {}): ScenarioComparison {
  const base = { name: current.name, configChanges: configChanges(saved, current) };
  if (saved.status === 'errored' || current.status === 'errored') {
    const which = saved.status === 'errored' ? 'saved' : 'current';
    const message = saved.status === 'errored' ? saved.error.message : current.status === 'errored' ? current.error.message : '';
    return { ...base, status: 'errored', note: `errored in the ${which} run: ${message}`, metrics: [] };
  }
  if (saved.seed !== current.seed || saved.quick !== current.quick) {
    const what = saved.seed !== current.seed ? `seed ${saved.seed} vs ${current.seed}` : `quick ${saved.quick} vs ${current.quick}`;
    return { ...base, status: 'not-comparable', note: `${what}: run with the saved run's options`, metrics: [] };
  }
  const metrics: MetricComparison[] = [];
  const savedMetrics = new Map(saved.metrics.map((m) => [m.name, m]));
  const currentNames = new Set(current.metrics.map((m) => m.name));
  const addedMetrics = current.metrics.filter((m) => !savedMetrics.has(m.name)).map((m) => m.name);
  const removedMetrics = saved.metrics.filter((m) => !currentNames.has(m.name)).map((m) => m.name);
  const unsampledMetrics: string[] = [];
  for (const now of current.metrics) {
    const before = savedMetrics.get(now.name);
    if (!before) continue;
    const policy = now.comparePolicy ?? before.comparePolicy ?? resolveComparePolicy(now);
    const savedPairs = pairSpeedups(before);
    const currentPairs = pairSpeedups(now);
    // A timing measured on both sides is gated by its paired ratio; each side's own timing is still reported, as
    // advisory. A timing with no pair (measured on one side only) is an absolute time: reported, never gating,
    // because the machine may be slower today than when the baseline was saved.
    const paired = now.kind === 'timing' && savedPairs.length > 0 && currentPairs.length > 0;
    for (const side of ['baseline', 'optimized'] as const) {
      const savedSamples = side === 'baseline' ? before.baselineSamples : before.optimizedSamples;
      const currentSamples = side === 'baseline' ? now.baselineSamples : now.optimizedSamples;
      if (savedSamples.length === 0 || currentSamples.length === 0) {
        // Measured in one run only (samples emptied or never produced): listed, never dropped silently.
        if (savedSamples.length + currentSamples.length > 0) unsampledMetrics.push(`${now.name} (${side}): no samples in the ${savedSamples.length === 0 ? 'saved' : 'current'} run`);
        continue;
      }
      metrics.push(
        compareMetric({
          scenario: current.name,
          side,
          variant: side === 'baseline' ? current.baselineLabel : current.optimizedLabel,
          metric: now,
          policy: now.kind === 'timing' ? { ...policy, gate: 'advisory' } : policy,
          savedSamples,
          currentSamples,
          resamples: options.resamples,
        }),
      );
    }
    if (paired) {
      metrics.push(
        compareMetric({
          scenario: current.name,
          side: 'paired',
          variant: `${current.optimizedLabel} vs ${current.baselineLabel}`,
          // The speedup of each pair: higher is better whichever way the timing itself runs.
          metric: { ...now, unit: SPEEDUP_UNIT, better: 'higher' },
          policy,
          savedSamples: savedPairs,
          currentSamples: currentPairs,
          resamples: options.resamples,
        }),
      );
    }
  }
  return { ...base, status: 'compared', metrics, addedMetrics, removedMetrics, ...(unsampledMetrics.length ? { unsampledMetrics } : {}) };
}

/** How many metric comparisons the runs gave: 0 means they have no metric in common (an error for `compare`). */
export function comparedMetricCount(comparison: RunComparison): number {
  return comparison.scenarios.reduce((n, s) => n + s.metrics.length, 0);
}

/**
 * Why two runs' counters may differ for reasons other than the code: an input file (dataset, trace, queries) of a
 * scenario both ran whose sha256 differs, or not recorded on one side, or another version of the mock's model.
 * Empty when they match. `memopt compare` refuses a non-empty list unless told otherwise.
 */
export function inputChanges(
  saved: { mockModelVersion?: string; scenarios: ReadonlyArray<{ name: string; inputs?: readonly CheckedInput[] }> },
  current: { mockModelVersion?: string; scenarios: ReadonlyArray<{ name: string; inputs?: readonly CheckedInput[] }> },
): string[] {
  const changes: string[] = [];
  if (saved.mockModelVersion !== current.mockModelVersion) {
    changes.push(`mock model version ${saved.mockModelVersion ?? '(not recorded)'} -> ${current.mockModelVersion ?? '(not recorded)'}`);
  }
  const savedByName = new Map(saved.scenarios.map((s) => [s.name, s]));
  for (const now of current.scenarios) {
    const before = savedByName.get(now.name);
    if (!before) continue;
    if (!before.inputs || !now.inputs) {
      if ((before.inputs?.length ?? 0) + (now.inputs?.length ?? 0) > 0) changes.push(`${now.name}: input hashes not recorded in the ${before.inputs ? 'current' : 'saved'} run`);
      continue;
    }
    const savedByField = new Map(before.inputs.map((i) => [i.field, i]));
    for (const input of now.inputs) {
      const old = savedByField.get(input.field);
      if (!old) changes.push(`${now.name}: ${input.field} (${input.path}) not read by the saved run`);
      else if (old.sha256 !== input.sha256) {
        changes.push(`${now.name}: ${input.field} ${old.path} sha256 ${old.sha256.slice(0, 12)} -> ${input.path} sha256 ${input.sha256.slice(0, 12)}`);
      }
    }
  }
  return changes;
}

export interface MetricInput {
  scenario: string;
  side: MetricComparison['side'];
  variant: string;
  metric: Pick<MetricResult, 'name' | 'unit' | 'kind' | 'better' | 'class'>;
  policy: ComparePolicy;
  savedSamples: readonly number[];
  currentSamples: readonly number[];
  resamples?: number;
}

/** One metric of one variant: the verdict and the numbers behind it. */
export function compareMetric(input: MetricInput): MetricComparison {
  const { policy, metric } = input;
  const saved = [...input.savedSamples];
  const current = [...input.currentSamples];
  const savedMedian = median(saved);
  const currentMedian = median(current);
  const varies = !constant(saved) || !constant(current);
  // A declared exact counter is a pure function of the seed: any change is certain, even if it varied within a run
  // (then it is not exact after all, which the reason says). Otherwise an 'exact' method that varies falls back to
  // a statistical comparison with a band.
  const certain = metric.class === 'exact' && policy.method === 'exact';
  const method = policy.method === 'exact' && (certain || !varies) ? 'exact' : 'statistical';
  const noisePct = policy.method === 'exact' && varies && !certain ? Math.max(policy.noisePct, DEFAULT_STATISTICAL_NOISE_PCT) : policy.noisePct;
  const changePct = relativeChangePct(savedMedian, currentMedian);
  const common = {
    scenario: input.scenario,
    side: input.side,
    variant: input.variant,
    metric: metric.name,
    unit: metric.unit,
    kind: metric.kind,
    ...(metric.class ? { class: metric.class } : {}),
    better: metric.better,
    policy,
    method,
    varies,
    saved: savedMedian,
    current: currentMedian,
    savedSamples: saved,
    currentSamples: current,
    changePct,
    noisePct,
  } as const;
  /** Direction of a real change, from the sign of current - saved and which way is better. */
  const directed = (): Verdict => ((currentMedian > savedMedian) === (metric.better === 'lower') ? 'regressed' : 'improved');

  if (method === 'exact') {
    let verdict: Verdict;
    let reason: string;
    if (currentMedian === savedMedian) {
      verdict = 'unchanged';
      reason = 'exact: equal';
    } else if (changePct !== null && Math.abs(changePct) <= noisePct) {
      verdict = 'unchanged';
      reason = `exact: within the ${noisePct}% band`;
    } else {
      verdict = directed();
      reason = `exact: ${short(savedMedian)} -> ${short(currentMedian)}`;
    }
    if (certain && varies) reason += '; varies within a run, so it is not exact: declare it time-dependent';
    return { ...common, ci: null, pValue: null, effectSize: null, verdict, reason };
  }

  const test = mannWhitneyU(saved, current);
  const interval = bootstrapRatioInterval(saved, current, {
    confidence: 1 - policy.alpha,
    resamples: input.resamples,
    seedKey: `${input.scenario}/${input.side}/${metric.name}`,
  });
  const ci = interval ? { lowPct: (interval.low - 1) * 100, highPct: (interval.high - 1) * 100, confidence: interval.confidence } : null;
  const significant = test.pValue < policy.alpha;
  const largeEnough = Math.abs(test.effectSize) >= policy.minEffectSize;
  // From a saved median of 0 there is no ratio: the test and the effect size decide alone.
  const outsideBand = ci ? ci.lowPct > noisePct || ci.highPct < -noisePct : changePct === null;
  const pText = `p = ${formatP(test.pValue)}`;
  let verdict: Verdict;
  let reason: string;
  if (significant && largeEnough && outsideBand) {
    verdict = directed();
    reason = `${pText} < ${policy.alpha}, |delta| = ${Math.abs(test.effectSize).toFixed(2)}, interval outside +-${noisePct}%`;
  } else if (changePct !== null && Math.abs(changePct) <= noisePct) {
    verdict = 'unchanged';
    reason = `within the +-${noisePct}% band (${pText})`;
  } else {
    verdict = 'inconclusive';
    // What fell short, over how many samples (pairs for a paired speedup), and what a verdict would need.
    const samples = `${saved.length} vs ${current.length} ${input.side === 'paired' ? 'pairs' : 'samples'}`;
    const leastP = leastTwoSidedP(saved.length, current.length);
    const shortfall = !significant
      ? `${pText} >= ${policy.alpha} over ${samples}${leastP >= policy.alpha ? ` (the least p ${samples} can give is ${formatP(leastP)}: compare with --repetitions 8 or more)` : ''}`
      : !largeEnough
        ? `effect |delta| = ${Math.abs(test.effectSize).toFixed(2)} < ${policy.minEffectSize} over ${samples}`
        : `interval ${ci ? `${ci.lowPct.toFixed(1)}..${ci.highPct.toFixed(1)}% ` : ''}reaches into the +-${noisePct}% band over ${samples}`;
    reason = `${shortfall}; a verdict needs p < ${policy.alpha}, |delta| >= ${policy.minEffectSize} and the interval outside +-${noisePct}%`;
  }
  if (varies && policy.method === 'exact') reason += '; varies within a run, so compared statistically';
  return { ...common, ci, pValue: test.pValue, effectSize: test.effectSize, verdict, reason };
}

/**
 * The unit of a paired row: a speedup, oriented as everywhere in memopt (run table, speedup targets, compare,
 * report.html): baseline time / optimized time for a lower-is-better timing (optimized / baseline for a
 * higher-is-better one), so above 1 the optimization is better and a larger value is always better.
 */
export const SPEEDUP_UNIT = 'x speedup';

/**
 * The speedup of each interleaved pair (repetition i of both sides ran back to back, on the same load), oriented as
 * pairedSpeedup() orients a speedup target's ratios (see SPEEDUP_UNIT).
 */
function pairSpeedups(metric: MetricResult): number[] {
  const n = Math.min(metric.baselineSamples.length, metric.optimizedSamples.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = metric.baselineSamples[i];
    const o = metric.optimizedSamples[i];
    if (b > 0 && o > 0 && Number.isFinite(b) && Number.isFinite(o)) ratios.push(metric.better === 'lower' ? b / o : o / b);
  }
  return ratios.length === n ? ratios : [];
}

/** The smallest two-sided Mann-Whitney p two samples of these sizes can give (no ties): 2 / C(m + n, m). */
function leastTwoSidedP(m: number, n: number): number {
  let combinations = 1;
  for (let i = 1; i <= m; i++) combinations = (combinations * (n + i)) / i;
  return Math.min(1, 2 / combinations);
}

function constant(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}

function relativeChangePct(saved: number, current: number): number | null {
  if (saved === current) return 0;
  if (saved === 0) return null;
  return ((current - saved) / Math.abs(saved)) * 100;
}

/** Six significant digits: enough to tell two exact values apart in words (the CSV columns keep every digit). */
function short(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** 'path: saved -> current' for every leaf of the scenario manifests that differs. */
function configChanges(saved: ScenarioResult, current: ScenarioResult): string[] {
  const a = saved.manifest;
  const b = current.manifest;
  if (!a || !b) return [];
  const changes: string[] = [];
  if (a.fileSha256 && b.fileSha256 && a.fileSha256 !== b.fileSha256) changes.push('scenario file changed (sha256)');
  const pick = (m: typeof a) => ({ workload: m.workload, baseline: m.baselineParams, optimized: m.optimizedParams, mock: m.mock, sweep: m.sweep });
  diff(pick(a), pick(b), '', changes);
  return changes;
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[key], b[key], path ? `${path}.${key}` : key, out);
    return;
  }
  const left = JSON.stringify(a);
  const right = JSON.stringify(b);
  if (left !== right) out.push(`${path}: ${left ?? '(none)'} -> ${right ?? '(none)'}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Differences in machine or versions that can move timings by themselves. */
function environmentWarnings(saved: RunReport, current: RunReport): string[] {
  const a = saved.environment;
  const b = current.environment;
  const warnings: string[] = [];
  if (a.quick !== b.quick) warnings.push(`the saved run was ${a.quick ? '' : 'not '}--quick and the current one is ${b.quick ? '' : 'not '}--quick`);
  if (a.cpuModel !== b.cpuModel || a.cpuCount !== b.cpuCount) {
    warnings.push(`different machine: ${a.cpuCount} x ${a.cpuModel} vs ${b.cpuCount} x ${b.cpuModel} (timings may differ for that reason)`);
  }
  if (a.node !== b.node) warnings.push(`different Node.js: ${a.node} vs ${b.node}`);
  for (const [name, version] of Object.entries(b.packages)) {
    const before = a.packages[name];
    if (before && before !== version) warnings.push(`${name} ${before} -> ${version}`);
  }
  return warnings;
}
