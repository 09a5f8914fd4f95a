import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { describeDifference, exactCounterDifferences } from '../../src/harness/exact-counters.ts';
import { mergeShardRuns } from '../../src/harness/shard-merge.ts';
import type { MetricResult } from '../../src/harness/types.ts';
import { erroredScenario, metric, run, scenario } from '../support/run-reports.ts';

const classed = (m: MetricResult, metricClass: MetricResult['class']): MetricResult => ({ ...m, class: metricClass });

function results(requests: number[], wallMs = [5], lateRetries = [3]) {
  return [
    scenario('ingest', [
      classed(metric('api_requests', 'counter', [100], requests), 'exact'),
      classed(metric('wall_time_ms', 'timing', [10], wallMs), 'timing'),
      classed(metric('api_rate_limited', 'counter', [0], lateRetries), 'time-dependent'),
    ]),
  ];
}

describe('exact counter differences between two runs', () => {
  it('are none when every exact counter is equal, whatever the timings and time-dependent counters did', () => {
    expect(exactCounterDifferences(results([16], [5]), results([16], [9], [7]))).toEqual([]);
  });

  it('name the scenario, metric and side of a changed exact counter, with both values', () => {
    const differences = exactCounterDifferences(results([16], [5]), results([17], [5]));
    expect(differences).toEqual([{ scenario: 'ingest', metric: 'api_requests', side: 'optimized', a: [16], b: [17] }]);
    expect(describeDifference(differences[0])).toBe('ingest api_requests (optimized): 16 vs 17');
  });

  it('compare every repetition, and count a counter only one run has as a difference', () => {
    expect(exactCounterDifferences(results([16, 16]), results([16, 17]))).toHaveLength(1);
    const missing = exactCounterDifferences(results([16]), [scenario('ingest', [classed(metric('api_requests', 'counter', [100], []), 'exact')])]);
    expect(missing).toEqual([{ scenario: 'ingest', metric: 'api_requests', side: 'optimized', a: [16], b: null }]);
  });

  it('treat NaN as equal to NaN (a ratio that is undefined in both runs)', () => {
    const nan = () => [scenario('s', [classed(metric('ratio', 'ratio', [Number.NaN], [1]), 'exact')])];
    expect(exactCounterDifferences(nan(), nan())).toEqual([]);
  });

  it('count every exact counter of a scenario that errored in one run as missing there; skip scenarios one run lacks', () => {
    expect(exactCounterDifferences(results([16]), [erroredScenario('ingest', 'boom')])).toEqual([
      { scenario: 'ingest', metric: 'api_requests', side: 'baseline', a: [100], b: null },
      { scenario: 'ingest', metric: 'api_requests', side: 'optimized', a: [16], b: null },
    ]);
    expect(exactCounterDifferences(results([16]), [])).toEqual([]);
  });
});

describe('memopt merge and exact counters', () => {
  it('refuses a scenario found in two shards, naming the exact counters that differ', () => {
    const plan = ['ingest', 'other'];
    const shard = (index: number, assigned: string[], requests: number) => ({
      dir: `/runs/shard-${index}`,
      report: {
        ...run([...results([requests], [5]), ...(assigned.includes('other') ? [scenario('other', [])] : [])].filter((s) => assigned.includes(s.name)), {
          shard: { index, count: 2, scenarios: plan, assigned },
        }),
        status: 'complete' as const,
      },
    });
    const merge = () => mergeShardRuns([shard(1, ['ingest'], 16), shard(2, ['ingest', 'other'], 17)]);
    expect(merge).toThrow(UsageError);
    expect(merge).toThrow(/'ingest' is in two shards, and its exact counters differ.*ingest api_requests \(optimized\): 16 vs 17/);
  });
});
