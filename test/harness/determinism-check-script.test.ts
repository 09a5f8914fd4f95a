import { describe, expect, it } from 'vitest';
import { checkDeterminism, describeDeterminism } from '../../scripts/determinism-check.ts';
import type { MetricResult } from '../../src/harness/types.ts';
import { metric, run, scenario } from '../support/run-reports.ts';

const classed = (m: MetricResult, metricClass: MetricResult['class']): MetricResult => ({ ...m, class: metricClass });

/** A quick-gate-like run: two scenarios with exact counters, timings and a time-dependent counter. */
function gate(hits: number, requests: number, wallMs: number, rateLimited: number) {
  return run([
    scenario('search-cache-ttl', [
      classed(metric('cache_hits', 'counter', [2857], [hits], { better: 'higher' }), 'exact'),
      classed(metric('expirations', 'counter', [0], [1158]), 'exact'),
      classed(metric('wall_time_ms', 'timing', [18_000], [wallMs]), 'timing'),
    ]),
    scenario('batch-embeddings-faults', [
      classed(metric('wrong_vectors', 'counter', [0], [0]), 'exact'),
      classed(metric('api_requests', 'counter', [1879], [requests]), 'time-dependent'),
      classed(metric('api_rate_limited', 'counter', [1269], [rateLimited]), 'time-dependent'),
    ]),
  ]);
}

describe('the determinism check compares exact counters only', () => {
  it('passes when every exact counter is identical, however the timings and time-dependent counters moved', () => {
    const result = checkDeterminism(gate(1747, 32, 18_000, 11), gate(1747, 31, 55_000, 10));
    expect(result).toMatchObject({ scenarios: ['search-cache-ttl', 'batch-embeddings-faults'], counters: 6, differences: [], missing: [] });
    const { passed, lines } = describeDeterminism(result);
    expect(passed).toBe(true);
    expect(lines.at(-1)).toMatch(/6 exact counter\(s\) of 2 scenario\(s\) identical/);
  });

  it('fails naming the scenario, metric, side and both values of a changed exact counter', () => {
    const { passed, lines } = describeDeterminism(checkDeterminism(gate(1747, 32, 18_000, 11), gate(1745, 32, 18_000, 11)));
    expect(passed).toBe(false);
    expect(lines).toContain('DIFFERS: search-cache-ttl cache_hits (optimized): 1747 vs 1745');
    expect(lines.at(-1)).toMatch(/FAILED: 1 exact counter\(s\) differ/);
  });

  it('compares only the scenarios the second run ran (a subset), and fails on one the main run lacks', () => {
    const subset = run([gate(1747, 32, 1, 1).scenarios[0]]);
    expect(describeDeterminism(checkDeterminism(gate(1747, 32, 1, 1), subset)).passed).toBe(true);
    const extra = run([...subset.scenarios, scenario('new-scenario', [])]);
    const { passed, lines } = describeDeterminism(checkDeterminism(subset, extra));
    expect(passed).toBe(false);
    expect(lines).toContain('MISSING: new-scenario is not in the main run');
  });

  it('fails when nothing was compared', () => {
    expect(describeDeterminism(checkDeterminism(gate(1, 1, 1, 1), run([]))).passed).toBe(false);
  });
});
