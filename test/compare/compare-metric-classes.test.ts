import { describe, expect, it } from 'vitest';
import { compareMetric } from '../../src/compare/compare.ts';
import { resolveComparePolicy } from '../../src/harness/compare-policy.ts';
import type { MetricClass } from '../../src/harness/types.ts';

function compare(metricClass: MetricClass | undefined, saved: number[], current: number[]) {
  const metric = { name: 'api_requests', unit: 'requests', kind: 'counter' as const, better: 'lower' as const, ...(metricClass ? { class: metricClass } : {}) };
  return compareMetric({ scenario: 's', side: 'optimized', variant: 'opt', metric, policy: resolveComparePolicy(metric), savedSamples: saved, currentSamples: current });
}

describe('compare uses the metric class', () => {
  it('a changed exact counter is a certain change, however small', () => {
    const result = compare('exact', [1000], [1001]);
    expect(result).toMatchObject({ verdict: 'regressed', method: 'exact', class: 'exact', pValue: null });
  });

  it('an exact counter that varies within a run is still compared exactly, and the reason says it is not exact', () => {
    const result = compare('exact', [32, 32, 32], [33, 32, 34]);
    expect(result.method).toBe('exact');
    expect(result.verdict).toBe('regressed');
    expect(result.reason).toMatch(/not exact: declare it time-dependent/);
  });

  it('a time-dependent counter is gated with its stated band', () => {
    expect(compare('time-dependent', [1879], [1883]).verdict).toBe('unchanged');
    expect(compare('time-dependent', [1879], [2400]).verdict).toBe('regressed');
  });

  it('a run recorded before classes existed compares as before (an exact method that varies falls back to a test)', () => {
    expect(compare(undefined, [32, 33, 32], [33, 32, 34]).method).toBe('statistical');
  });
});
