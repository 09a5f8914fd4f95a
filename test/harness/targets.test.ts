import { describe, expect, it } from 'vitest';
import { checkTarget, pairedSpeedup } from '../../src/harness/targets.ts';
import type { MetricResult } from '../../src/harness/types.ts';
import { median } from '../../src/util/median.ts';

function metric(baselineSamples: number[], optimizedSamples: number[], better: 'lower' | 'higher' = 'lower'): MetricResult {
  return {
    name: 'm', unit: 'x', kind: 'timing', better, description: '',
    baseline: median(baselineSamples), optimized: median(optimizedSamples), changePct: null,
    baselineSamples, optimizedSamples, targets: [],
  };
}

describe('targets', () => {
  it('a reduction passes at exactly the threshold and fails just below it', () => {
    expect(checkTarget({ metric: 'm', kind: 'reduction', atLeastPct: 50 }, metric([100], [50])).passed).toBe(true);
    const missed = checkTarget({ metric: 'm', kind: 'reduction', atLeastPct: 50 }, metric([100], [51]));
    expect(missed.passed).toBe(false);
    expect(missed.measured).toBeCloseTo(-49);
    expect(missed.text).toBe('<= -50%');
  });

  it('max and min bound the optimized value', () => {
    expect(checkTarget({ metric: 'm', kind: 'max', max: 0 }, metric([5], [0])).passed).toBe(true);
    expect(checkTarget({ metric: 'm', kind: 'max', max: 0 }, metric([5], [1])).passed).toBe(false);
    expect(checkTarget({ metric: 'm', kind: 'min', min: 0.95 }, metric([1], [0.94])).passed).toBe(false);
  });

  it('not-worse respects which direction is better', () => {
    expect(checkTarget({ metric: 'm', kind: 'not-worse', pct: 10 }, metric([100], [110])).passed).toBe(true);
    expect(checkTarget({ metric: 'm', kind: 'not-worse', pct: 10 }, metric([100], [111])).passed).toBe(false);
    expect(checkTarget({ metric: 'm', kind: 'not-worse', pct: 10 }, metric([100], [89], 'higher')).passed).toBe(false);
  });

  it('a speedup is the median of paired ratios, not the ratio of medians', () => {
    // Pairs: 100/50 = 2, 300/100 = 3, 90/90 = 1 -> median ratio 2; medians would give 100/90 = 1.11.
    const m = metric([100, 300, 90], [50, 100, 90]);
    expect(pairedSpeedup(m)).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(checkTarget({ metric: 'm', kind: 'speedup', atLeast: 2 }, m).passed).toBe(true);
    expect(checkTarget({ metric: 'm', kind: 'speedup', atLeast: 2.1 }, m).passed).toBe(false);
  });

  it('a target with nothing measured is missed, never passed', () => {
    const empty = { ...metric([], []), baseline: null, optimized: null };
    for (const target of [
      { metric: 'm', kind: 'max' as const, max: 1 },
      { metric: 'm', kind: 'reduction' as const, atLeastPct: 1 },
      { metric: 'm', kind: 'speedup' as const, atLeast: 1 },
    ]) {
      expect(checkTarget(target, empty).passed).toBe(false);
    }
  });

  it('advisory gates are carried through', () => {
    expect(checkTarget({ metric: 'm', kind: 'max', max: 0, gate: 'advisory' }, metric([1], [1])).gate).toBe('advisory');
  });
});
