import { describe, expect, it } from 'vitest';
import { describeTally, describeTargets, tallyFalseAlarms, tallyTargets, verdictsByScenario } from '../../scripts/false-alarm-rate.ts';
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
    // Per scenario: the one gating row of the one pair, with its band and the scenario's pairs per run.
    expect(verdictsByScenario(tally, runs)).toEqual([['s', '3', 1, 1, 0, 0, 0, `${tally.rows[0].noisePct}%`]]);
    const lines = describeTally(tally);
    expect(lines.join('\n')).toMatch(/regressed 1 \(100\.0%\)/);
    expect(lines.join('\n')).toMatch(/s api_requests \(optimized\) 16 -> 17/);
  });
});

describe('the tally of each run\'s own targets over runs of unchanged code', () => {
  /** A run whose paired timing met (or missed) its strict >= 2x target, beside an exact counter's strict target. */
  function targetRun(speedup: number, requestsPassed = true) {
    const timing = classed(metric('wall_time_ms', 'timing', [1000], [1000 / speedup]), 'timing');
    timing.targets = [{ kind: 'speedup', text: '>= 2x', gate: 'strict', passed: speedup >= 2, measured: speedup }];
    const requests = classed(metric('api_requests', 'counter', [100], [16]), 'exact');
    requests.targets = [
      { kind: 'reduction', text: '<= -50%', gate: 'strict', passed: requestsPassed, measured: 84 },
      { kind: 'max', text: '<= 10', gate: 'advisory', passed: false, measured: 16 },
    ];
    return run([scenario('s', [timing, requests], { repetitions: 1 })]);
  }

  it('counts per target how many runs missed it, with the measured spread against the threshold', () => {
    const runs = [2.5, 1.9, 3.1].map((x, i) => ({ name: `run-${i + 1}`, report: targetRun(x) }));
    const targets = tallyTargets(runs);
    expect(targets).toHaveLength(3);
    const timing = targets.find((t) => t.metric === 'wall_time_ms');
    expect(timing).toMatchObject({ class: 'timing', gate: 'strict', target: '>= 2x', pairs: 1, runs: 3, missed: 1, measured: [2.5, 1.9, 3.1] });
    expect(targets.find((t) => t.gate === 'advisory')).toMatchObject({ runs: 3, missed: 3 });
    const text = describeTargets(targets, 3).join('\n');
    // The advisory miss is not a false alarm of the gate; the strict timing miss is, named with its count.
    expect(text).toMatch(/strict targets missed on unchanged code: 1 of 6 checks; s wall_time_ms >= 2x missed 1\/3/);
    expect(text).toMatch(/min 1\.9, median 2\.5, max 3\.1; missed 1\/3/);
  });

  it('reports no strict miss when every run met every strict target', () => {
    const runs = [2.5, 2.2].map((x, i) => ({ name: `run-${i + 1}`, report: targetRun(x) }));
    expect(describeTargets(tallyTargets(runs), 2)[1]).toBe('  strict targets missed on unchanged code: 0 of 4 checks');
  });
});
