import { describe, expect, it } from 'vitest';
import { describeTally, tallyFalseAlarms } from '../../scripts/false-alarm-rate.ts';
import type { MetricResult } from '../../src/harness/types.ts';
import { metric, run, scenario } from '../support/run-reports.ts';

const classed = (m: MetricResult, metricClass: MetricResult['class']): MetricResult => ({ ...m, class: metricClass });
const tenOf = (center: number, step = 1) => Array.from({ length: 10 }, (_, i) => center + (i - 5) * step);

/** A run with one paired timing (10 pairs) and one exact counter. */
function gateRun(optimizedMs: number[], requests: number) {
  return run([
    scenario('s', [
      classed(metric('wall_time_ms', 'timing', tenOf(1000, 5), optimizedMs), 'timing'),
      classed(metric('api_requests', 'counter', [100], [requests]), 'exact'),
    ]),
  ]);
}

describe('the false-alarm tally over pairs of runs of unchanged code', () => {
  it('counts the gating (paired) timing rows of every pair, and no alarm when nothing moved', () => {
    const runs = [1, 2, 3].map((i) => ({ name: `run-${i}`, report: gateRun(tenOf(500, 5), 16) }));
    const tally = tallyFalseAlarms(runs);
    // 3 pairs; per pair one gating row: the paired ratio (each side's own timing is advisory).
    expect(tally).toMatchObject({ pairs: 3, timingRows: 3, regressed: 0, improved: 0, exactChanged: [] });
    expect(tally.rows.every((r) => r.side === 'paired')).toBe(true);
  });

  it('counts a timing verdict that called a change as a false alarm, and a changed exact counter by name', () => {
    const runs = [
      { name: 'run-1', report: gateRun(tenOf(500, 5), 16) },
      { name: 'run-2', report: gateRun(tenOf(800, 5), 17) },
    ];
    const tally = tallyFalseAlarms(runs);
    expect(tally.regressed).toBe(1);
    expect(tally.exactChanged).toEqual([{ pair: 'run-1 -> run-2', scenario: 's', side: 'optimized', metric: 'api_requests', saved: 16, current: 17 }]);
    const lines = describeTally(tally);
    expect(lines.join('\n')).toMatch(/regressed 1 \(100\.0%\)/);
    expect(lines.join('\n')).toMatch(/s api_requests \(optimized\) 16 -> 17/);
  });
});
