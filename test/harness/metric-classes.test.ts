import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { defaultMetricClass, resolveComparePolicy, resolveMetricClass } from '../../src/harness/compare-policy.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { summaryRows } from '../../src/report/csv.ts';
import { fixedDriver } from '../fixtures/fixed-driver.ts';

const definition = (extra: Record<string, unknown> = {}) => ({
  name: 'classes',
  description: 'metric classes',
  driver: fixedDriver,
  workload: { size: 2 },
  endpoint: { timeScale: 0, rateLimit: false },
  repetitions: { full: 1, quick: 1 },
  baseline: { label: 'base', params: { requests: 10, timeMs: 1 } },
  optimized: { label: 'opt', params: { requests: 1, timeMs: 1 } },
  targets: [{ metric: 'requests', kind: 'reduction', atLeastPct: 50 }],
  ...extra,
});

describe('every metric has a class: exact, timing or time-dependent', () => {
  it('defaults by kind: counters and ratios exact, timings and memory timing, statistically compared ratios timing', () => {
    expect(defaultMetricClass({ kind: 'counter' })).toBe('exact');
    expect(defaultMetricClass({ kind: 'ratio' })).toBe('exact');
    expect(defaultMetricClass({ kind: 'timing' })).toBe('timing');
    expect(defaultMetricClass({ kind: 'memory' })).toBe('timing');
    expect(defaultMetricClass({ kind: 'ratio', compare: { method: 'statistical' } })).toBe('timing');
  });

  it("takes the scenario's override over the driver's class over the default", () => {
    expect(resolveMetricClass({ kind: 'counter', class: 'time-dependent' })).toBe('time-dependent');
    expect(resolveMetricClass({ kind: 'counter', class: 'time-dependent' }, 'exact')).toBe('exact');
  });

  it('sets the compare policy: exact with no band, time-dependent with a stated 10% band, timing statistical', () => {
    expect(resolveComparePolicy({ kind: 'counter', class: 'exact' })).toMatchObject({ method: 'exact', noisePct: 0 });
    expect(resolveComparePolicy({ kind: 'counter', class: 'time-dependent' })).toMatchObject({ method: 'exact', noisePct: 10 });
    expect(resolveComparePolicy({ kind: 'counter', class: 'time-dependent' }, { noisePct: 3 })).toMatchObject({ noisePct: 3 });
    expect(resolveComparePolicy({ kind: 'timing', class: 'timing' })).toMatchObject({ method: 'statistical' });
  });

  it('is recorded, resolved, on every metric of a result (run.json) and in summary.csv', async () => {
    const scenario = validateScenario('classes.ts', definition({ classes: { mock_requests: 'time-dependent' } }), { quick: true });
    const result = await runScenario(scenario, { quick: true });
    const classes = Object.fromEntries(result.metrics.map((m) => [m.name, m.class]));
    expect(classes).toEqual({ requests: 'exact', time_ms: 'timing', mock_requests: 'time-dependent' });
    const mock = result.metrics.find((m) => m.name === 'mock_requests')!;
    expect(mock.comparePolicy).toMatchObject({ method: 'exact', noisePct: 10 });
    const rows = summaryRows([result]);
    expect(rows.map((r) => [r[1], r.at(-1)])).toEqual([
      ['requests', 'exact'],
      ['time_ms', 'timing'],
      ['mock_requests', 'time-dependent'],
    ]);
  });

  it("refuses a scenario's class for an unknown metric or an unknown class, naming the field", () => {
    const unknownMetric = () => validateScenario('classes.ts', definition({ classes: { nope: 'exact' } }), { quick: true });
    expect(unknownMetric).toThrow(ScenarioError);
    expect(unknownMetric).toThrow(/classes\.nope/);
    const unknownClass = () => validateScenario('classes.ts', definition({ classes: { requests: 'sometimes' } }), { quick: true });
    expect(unknownClass).toThrow(ScenarioError);
    expect(unknownClass).toThrow(/classes/);
  });
});
