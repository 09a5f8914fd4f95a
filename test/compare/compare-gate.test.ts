import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.ts';
import { comparisonExitCode } from '../../src/compare/gate.ts';
import type { ComparePolicy } from '../../src/harness/types.ts';
import { erroredScenario, metric, run, scenario } from '../support/run-reports.ts';

/** A saved and a current run of one scenario whose optimized `requests` go from 40 to `now` (baseline side steady). */
function exitCodeFor(now: number[], options: { compare?: Partial<ComparePolicy>; kind?: 'counter' | 'timing'; current?: Parameters<typeof scenario>[2]; errored?: { message: string; exitCode: number }; baselineNow?: number[] } = {}) {
  const kind = options.kind ?? 'counter';
  const steady = (n: number) => Array.from({ length: n }, (_, i) => 100 + (i % 3) - 1);
  const savedOptimized = kind === 'counter' ? [40, 40] : [40, 41, 39, 40, 42, 38, 40, 41];
  const before = run([scenario('s', [metric('requests', kind, steady(savedOptimized.length), savedOptimized, { compare: options.compare })])]);
  const after = run([
    options.errored
      ? { ...erroredScenario('s', options.errored.message), error: options.errored }
      : scenario('s', [metric('requests', kind, options.baselineNow ?? steady(now.length), now, { compare: options.compare })], options.current),
  ]);
  const comparison = compareRuns({ ref: 'saved', report: before }, { ref: 'current', report: after });
  return comparisonExitCode(comparison, after.scenarios);
}

describe('compare exit codes, one per verdict', () => {
  it('unchanged: 0', () => expect(exitCodeFor([40, 40])).toBe(0));
  it('improved: 0', () => expect(exitCodeFor([30, 30])).toBe(0));
  it('regressed (strict): 1', () => expect(exitCodeFor([60, 60])).toBe(1));
  it('regressed on an advisory metric: 0', () => expect(exitCodeFor([60, 60], { compare: { gate: 'advisory' } })).toBe(0));
  it('inconclusive (a timing shift the samples cannot confirm): 0', () => {
    expect(exitCodeFor([60, 30, 61], { kind: 'timing' })).toBe(0);
  });
  it('a significant timing regression, relative to its interleaved baseline: 1', () => {
    expect(exitCodeFor([60, 61, 59, 60, 62, 58, 60, 61], { kind: 'timing' })).toBe(1);
  });
  it('a timing that moved with its interleaved baseline (the machine got slower): 0', () => {
    // Both sides 50% slower: each side alone is a significant change (reported, advisory); the pairs are not.
    const slowerMachine = [60, 61.5, 58.5, 60, 63, 57, 60, 61.5];
    expect(exitCodeFor(slowerMachine, { kind: 'timing', baselineNow: [150, 150, 150, 150, 150, 150, 150, 150].map((x, i) => x * (slowerMachine[i] / 60)) })).toBe(0);
  });
  it('a timing measured on one side only (an absolute time, no pair) is reported as regressed but never fails: 0', () => {
    const saved = [40, 41, 39, 40, 42, 38, 40, 41];
    const slower = saved.map((x) => x * 1.5);
    const before = run([scenario('s', [metric('hit_cost_us', 'timing', [], saved)])]);
    const after = run([scenario('s', [metric('hit_cost_us', 'timing', [], slower)])]);
    const comparison = compareRuns({ ref: 'saved', report: before }, { ref: 'current', report: after });
    const rows = comparison.scenarios.flatMap((s) => ('metrics' in s ? s.metrics : []));
    expect(rows.map((m) => [m.side, m.verdict, m.policy.gate])).toEqual([['optimized', 'regressed', 'advisory']]);
    expect(comparisonExitCode(comparison, after.scenarios)).toBe(0);
  });
  it('a missed strict target in the current run: 1, even with nothing regressed', () => {
    expect(exitCodeFor([40, 40], { current: { status: 'missed' } })).toBe(1);
  });
  it('a failed run: 3; bad input in the run: 2', () => {
    expect(exitCodeFor([40, 40], { errored: { message: 'API down', exitCode: 3 } })).toBe(3);
    expect(exitCodeFor([40, 40], { errored: { message: 'bad trace line', exitCode: 2 } })).toBe(2);
  });
  it('a scenario run with another seed cannot be compared: 2', () => expect(exitCodeFor([40, 40], { current: { seed: 1 } })).toBe(2));
});
