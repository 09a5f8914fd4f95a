import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.ts';
import { formatComparison } from '../../src/report/console.ts';
import { comparisonCsv } from '../../src/report/csv.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { environment, metric, run, scenario } from '../support/run-reports.ts';

describe('a metric whose samples were emptied in one run', () => {
  it('is listed as not compared (console, comparison.csv, Markdown), never dropped silently', () => {
    const saved = run([scenario('s', [metric('requests', 'counter', [10, 10], [4, 4]), metric('bytes', 'counter', [5, 5], [2, 2])])]);
    const current = run([scenario('s', [metric('requests', 'counter', [10, 10], []), metric('bytes', 'counter', [5, 5], [2, 2])])], { runId: 'run-2' });
    const comparison = compareRuns({ ref: 'saved', report: saved }, { ref: 'current', report: current });
    const [s] = comparison.scenarios;
    expect(s.unsampledMetrics).toEqual(['requests (optimized): no samples in the current run']);
    expect(s.metrics.map((m) => `${m.metric}/${m.side}`).sort()).toEqual(['bytes/baseline', 'bytes/optimized', 'requests/baseline']);
    expect(formatComparison(comparison)).toContain('not compared: requests (optimized): no samples in the current run');
    expect(comparisonCsv(comparison)).toMatch(/,requests,.*,not-compared,.*requests \(optimized\): no samples in the current run/);
    expect(renderMarkdown({ environment: environment(), scenarios: current.scenarios, comparison, exitCode: 0 })).toContain('s: not compared: requests (optimized): no samples in the current run');
  });

  it('a side empty in both runs by design (a reference side) is not listed', () => {
    const both = run([scenario('s', [metric('wrong_vectors', 'counter', [], [0])])]);
    const comparison = compareRuns({ ref: 'a', report: both }, { ref: 'b', report: run(both.scenarios, { runId: 'run-2' }) });
    expect(comparison.scenarios[0].unsampledMetrics).toBeUndefined();
  });
});
