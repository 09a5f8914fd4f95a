import { describe, expect, it } from 'vitest';
import { compareMetric, compareRuns } from '../../src/compare/compare.ts';
import { comparisonExitCode } from '../../src/compare/gate.ts';
import type { Verdict } from '../../src/compare/types.ts';
import { resolveComparePolicy } from '../../src/harness/compare-policy.ts';
import type { ComparePolicy, MetricKind } from '../../src/harness/types.ts';
import { createRng, type Rng } from '../../src/util/rng.ts';
import { erroredScenario, metric, run, scenario } from '../support/run-reports.ts';

function verdictOf(
  saved: number[],
  current: number[],
  options: { kind?: MetricKind; better?: 'lower' | 'higher'; policy?: Partial<ComparePolicy> } = {},
) {
  const kind = options.kind ?? 'timing';
  return compareMetric({
    scenario: 's',
    side: 'optimized',
    variant: 'opt',
    metric: { name: 'm', unit: 'ms', kind, better: options.better ?? 'lower' },
    policy: resolveComparePolicy({ kind }, options.policy),
    savedSamples: saved,
    currentSamples: current,
  });
}

/** n timings around `center` with relative noise `cv` (and one run-level drift factor shared by the run). */
function timings(rng: Rng, n: number, center: number, cv: number, drift = 0): number[] {
  const runFactor = 1 + drift * rng.normal();
  return Array.from({ length: n }, () => center * runFactor * (1 + cv * rng.normal()));
}

describe('timings: Mann-Whitney U, bootstrap interval, noise band, effect size', () => {
  it('identical samples are unchanged', () => {
    const samples = [101, 99, 100, 102, 98, 100, 103, 97, 100, 101];
    const result = verdictOf(samples, [...samples]);
    expect(result.verdict).toBe('unchanged');
    expect(result.pValue).toBe(1);
    expect(result.changePct).toBe(0);
  });

  it('a 20% shift with low noise is significant: regressed for a lower-is-better timing, improved for a rate', () => {
    let regressed = 0;
    let improved = 0;
    for (let seed = 0; seed < 50; seed++) {
      const rng = createRng(seed);
      const saved = timings(rng, 10, 100, 0.03);
      const current = timings(rng, 10, 120, 0.03);
      const slower = verdictOf(saved, current);
      if (slower.verdict === 'regressed') regressed++;
      if (verdictOf(saved, current, { better: 'higher' }).verdict === 'improved') improved++;
      if (seed === 0) {
        expect(slower.changePct!).toBeGreaterThan(15);
        expect(slower.ci!.lowPct).toBeGreaterThan(10);
        expect(slower.pValue!).toBeLessThan(0.001);
        expect(slower.effectSize!).toBeGreaterThan(0.9);
      }
    }
    expect(regressed).toBe(50);
    expect(improved).toBe(50);
  });

  it('pure noise is inconclusive or unchanged, never a change, in the large majority of seeds', () => {
    const counts: Record<Verdict, number> = { improved: 0, regressed: 0, unchanged: 0, inconclusive: 0 };
    for (let seed = 0; seed < 200; seed++) {
      const rng = createRng(1000 + seed);
      // Heavy noise (30%): the samples cannot tell, so most comparisons must say so rather than guess.
      counts[verdictOf(timings(rng, 10, 100, 0.3), timings(rng, 10, 100, 0.3)).verdict]++;
    }
    expect(counts.improved + counts.regressed).toBeLessThanOrEqual(4); // <= 2% of seeds
    expect(counts.inconclusive).toBeGreaterThan(50);
  });

  it('too few repetitions cannot reach significance: a large shift over 3 vs 3 is inconclusive, not a failure', () => {
    const result = verdictOf([100, 101, 99], [150, 151, 149]);
    expect(result.pValue).toBeCloseTo(0.1); // the smallest two-sided p for 3 vs 3
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/3 vs 3 samples/);
  });

  it('a significant shift inside the noise band is unchanged', () => {
    const rng = createRng(7);
    const result = verdictOf(timings(rng, 20, 100, 0.005), timings(rng, 20, 104, 0.005));
    expect(result.pValue!).toBeLessThan(0.001);
    expect(result.verdict).toBe('unchanged');
  });

  it('the noise band and the minimum effect size are configurable per metric', () => {
    const rng = createRng(8);
    const saved = timings(rng, 20, 100, 0.005);
    const current = timings(rng, 20, 104, 0.005);
    expect(verdictOf(saved, current, { policy: { noisePct: 1 } }).verdict).toBe('regressed');
    // Overlapping samples: a 4-unit shift of a 20-unit-wide uniform spread. Significant (n = 200), but a current
    // value beats a saved one only about a third of the time more often than the reverse (|delta| ~ 0.36).
    const a = Array.from({ length: 200 }, (_, i) => 100 + (i % 20));
    const b = a.map((x) => x + 4);
    const loose = verdictOf(a, b, { policy: { noisePct: 0, minEffectSize: 0.3 } });
    expect(loose.effectSize!).toBeGreaterThan(0.3);
    expect(loose.effectSize!).toBeLessThan(0.5);
    expect(loose.verdict).toBe('regressed');
    expect(verdictOf(a, b, { policy: { noisePct: 0 } }).verdict).toBe('inconclusive');
  });
});

describe('exact counters', () => {
  it('equal counters are unchanged; any difference is a change of exactly that size', () => {
    expect(verdictOf([32, 32], [32, 32], { kind: 'counter' })).toMatchObject({ verdict: 'unchanged', method: 'exact', reason: 'exact: equal' });
    const worse = verdictOf([32, 32], [125, 125], { kind: 'counter' });
    expect(worse).toMatchObject({ verdict: 'regressed', method: 'exact', saved: 32, current: 125, pValue: null });
    expect(worse.changePct).toBeCloseTo(290.625, 10);
    expect(verdictOf([32], [31], { kind: 'counter' }).verdict).toBe('improved');
    // Recall on a fixed seed is exact too (kind ratio, higher is better): a drop of 0.01 is a regression.
    expect(verdictOf([0.96, 0.96], [0.95, 0.95], { kind: 'ratio', better: 'higher' }).verdict).toBe('regressed');
  });

  it('a counter that went from 0 is a change', () => {
    const result = verdictOf([0, 0], [3, 3], { kind: 'counter' });
    expect(result).toMatchObject({ verdict: 'regressed', changePct: null });
  });

  it('a declared tolerance keeps small differences unchanged', () => {
    expect(verdictOf([1000], [1015], { kind: 'counter', policy: { noisePct: 2 } }).verdict).toBe('unchanged');
    expect(verdictOf([1000], [1030], { kind: 'counter', policy: { noisePct: 2 } }).verdict).toBe('regressed');
  });

  it('a counter whose repetitions disagree within a run is compared statistically and flagged', () => {
    const result = verdictOf([32, 33, 32], [33, 32, 34], { kind: 'counter' });
    expect(result.method).toBe('statistical');
    expect(result.varies).toBe(true);
    expect(result.noisePct).toBe(10);
    expect(result.verdict).toBe('unchanged');
    expect(result.reason).toMatch(/varies within a run/);
  });
});

describe('two runs of unchanged code compare as unchanged', () => {
  /**
   * A synthetic run like a real one: exact counters (fixed by the seed), a counter that jitters with timing
   * (declared statistical with a band, as a driver would), timings with 5% noise per repetition and 3% drift per
   * run (a shared machine), memory with 8% noise; 10 repetitions per side, so the timing tests have real power.
   */
  function syntheticRun(runSeed: number) {
    const rng = createRng(runSeed);
    const reps = 10;
    // The machine's load in this run: one factor for the run, and one per interleaved pair, shared by both sides.
    const runLoad = 1 + 0.03 * rng.normal();
    const pairLoad = Array.from({ length: reps }, () => 1 + 0.02 * rng.normal());
    const counters = (value: number) => Array.from({ length: reps }, () => value);
    const jitter = (value: number) => Array.from({ length: reps }, () => value + rng.int(0, 1));
    const noisy = (center: number, cv: number) => pairLoad.map((load) => center * runLoad * load * (1 + cv * rng.normal()));
    const memory = (center: number, cv: number, drift: number) => timings(rng, reps, center, cv, drift);
    return run([
      scenario('ingest', [
        metric('api_requests', 'counter', counters(2000), counters(32)),
        metric('api_tokens', 'counter', counters(56883), counters(56853)),
        metric('requests_jitter', 'counter', jitter(40), jitter(20), { compare: { method: 'statistical', noisePct: 5 } }),
        metric('wall_time_ms', 'timing', noisy(17000, 0.04), noisy(3100, 0.04)),
        metric('latency_p95_ms', 'timing', noisy(3700, 0.04), noisy(760, 0.04)),
        metric('throughput', 'timing', noisy(114, 0.04).map((x) => 1e4 / x), noisy(650, 0.04).map((x) => 1e5 / x), { better: 'higher' }),
        metric('heap_peak_bytes', 'memory', memory(35e6, 0.08, 0.02), memory(23e6, 0.08, 0.02)),
      ]),
      scenario('index', [
        metric('recall_at_10', 'ratio', counters(1), counters(0.873), { better: 'higher' }),
        metric('index_bytes', 'counter', counters(24576000), counters(3635200)),
        metric('query_mean_ms', 'timing', noisy(53, 0.04), noisy(3.5, 0.04)),
      ]),
    ]);
  }

  it('in at least 19 of 20 tries (checked over 100 seeded pairs of runs)', () => {
    let unchanged = 0;
    let passed = 0;
    const tries = 100;
    for (let t = 0; t < tries; t++) {
      const comparison = compareRuns({ ref: 'saved', report: syntheticRun(2 * t) }, { ref: 'current', report: syntheticRun(2 * t + 1) }, { resamples: 500 });
      const all = comparison.scenarios.flatMap((s) => s.metrics);
      // Unchanged: no metric called improved or regressed, advisory rows (each side's own timing) included.
      if (!all.some((m) => m.verdict === 'improved' || m.verdict === 'regressed')) unchanged++;
      if (comparisonExitCode(comparison, []) === 0) passed++;
    }
    if (process.env.MEMOPT_SHOW_RATES) console.log(`unchanged in ${unchanged} of ${tries}, exit 0 in ${passed} of ${tries}`);
    expect(unchanged / tries).toBeGreaterThanOrEqual(0.95);
    expect(passed / tries).toBeGreaterThanOrEqual(0.95);
  });

  it('and a real regression in the same synthetic run is still found', () => {
    const saved = syntheticRun(1);
    const current = syntheticRun(2);
    const requests = current.scenarios[0].metrics[0];
    requests.optimizedSamples = requests.optimizedSamples.map(() => 125);
    const comparison = compareRuns({ ref: 'saved', report: saved }, { ref: 'current', report: current }, { resamples: 500 });
    const regressed = comparison.scenarios.flatMap((s) => s.metrics).filter((m) => m.verdict === 'regressed');
    expect(regressed.map((m) => `${m.metric}/${m.side}`)).toContain('api_requests/optimized');
  });
});

describe('scenarios that cannot be compared', () => {
  it('another seed, an errored side, or a scenario in one run only is reported, not compared', () => {
    const a = run([scenario('x', [metric('r', 'counter', [1], [1])]), scenario('gone', []), scenario('broken', [])]);
    const b = run([
      scenario('x', [metric('r', 'counter', [1], [1])], { seed: 7 }),
      scenario('new', []),
      erroredScenario('broken', 'API down'),
    ]);
    const comparison = compareRuns({ ref: 'a', report: a }, { ref: 'b', report: b });
    const status = Object.fromEntries(comparison.scenarios.map((s) => [s.name, s.status]));
    expect(status).toEqual({ x: 'not-comparable', new: 'only-current', broken: 'errored', gone: 'only-saved' });
    expect(comparison.scenarios.find((s) => s.name === 'x')!.note).toMatch(/seed 42 vs 7/);
  });

  it('configuration changes between the runs are listed', () => {
    const manifest = (batch: number) => ({
      fileSha256: 'abc', workload: { size: 10 }, baselineParams: { embedder: 'naive' }, optimizedParams: { embedder: 'batch', maxBatchSize: batch },
      mock: { timeScale: 0.1 }, sweep: null, notes: {},
    });
    const a = run([scenario('x', [metric('r', 'counter', [1], [1])], { manifest: manifest(64) })]);
    const b = run([scenario('x', [metric('r', 'counter', [1], [1])], { manifest: manifest(16) })]);
    expect(compareRuns({ ref: 'a', report: a }, { ref: 'b', report: b }).scenarios[0].configChanges).toEqual(['optimized.maxBatchSize: 64 -> 16']);
  });
});
