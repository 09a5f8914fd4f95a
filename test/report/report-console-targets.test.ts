import { describe, expect, it } from 'vitest';
import { checkTarget } from '../../src/harness/targets.ts';
import type { TargetSpec } from '../../src/harness/types.ts';
import { formatScenario } from '../../src/report/console.ts';
import { metric, scenario } from '../support/run-reports.ts';

/** One scenario whose only metric carries the given target, checked as the runner checks it. */
function withTarget(target: TargetSpec, unit: string) {
  const m = { ...metric('wall_time_ms', 'timing', [100, 300, 90], [50, 100, 90]), unit };
  m.targets = [checkTarget(target, m)];
  return scenario('s', [m]);
}

describe('console report: targets are read by their kind, not by their text', () => {
  it('every checked target carries the kind of its spec', () => {
    const m = metric('m', 'timing', [100], [50]);
    const kinds: TargetSpec[] = [
      { metric: 'm', kind: 'reduction', atLeastPct: 10 },
      { metric: 'm', kind: 'max', max: 1 },
      { metric: 'm', kind: 'min', min: 1 },
      { metric: 'm', kind: 'not-worse', pct: 5 },
      { metric: 'm', kind: 'speedup', atLeast: 2 },
    ];
    expect(kinds.map((t) => checkTarget(t, m).kind)).toEqual(['reduction', 'max', 'min', 'not-worse', 'speedup']);
  });

  it("shows a speedup target's range of pair ratios", () => {
    expect(formatScenario(withTarget({ metric: 'wall_time_ms', kind: 'speedup', atLeast: 2 }, 'ms'))).toContain('[pair ratios 1.00..3.00, baseline/optimized]');
  });

  it('shows no pair ratios for other kinds, whatever their text ends with', () => {
    const result = withTarget({ metric: 'wall_time_ms', kind: 'max', max: 1000 }, 'x');
    result.metrics[0].targets = [{ ...result.metrics[0].targets[0], text: '<= 2x' }]; // a text that reads like a speedup
    const text = formatScenario(result);
    expect(text).toContain('<= 2x: met');
    expect(text).not.toContain('pair ratios');
  });
});
