import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.ts';
import { verdictCountsByGate } from '../../src/compare/gate.ts';
import { pairedSpeedup } from '../../src/harness/targets.ts';
import { formatComparison, formatScenario } from '../../src/report/console.ts';
import { comparisonCsv, summaryCsv } from '../../src/report/csv.ts';
import { readReportFolder } from '../../src/report/charts/folder.ts';
import { renderHtml } from '../../src/report/charts/html.ts';
import { environment, metric, run, scenario } from '../support/run-reports.ts';

const times = (base: number[], factor: number) => base.map((t) => Math.round(t * factor));
const eight = [100, 104, 98, 101, 103, 99, 102, 97];

// 'slower-machine': 8 pairs, today's machine 30% slower on both sides: each side's own time regresses (advisory),
// the pairs' speedup does not move. 'fewer-pairs': 3 pairs, the optimization really got slower: the gating speedup
// cannot be decided with 3 vs 3 pairs.
const saved = run([
  scenario('slower-machine', [metric('wall_time_ms', 'timing', times(eight, 4), eight)]),
  scenario('fewer-pairs', [metric('wall_time_ms', 'timing', [400, 410, 395], [100, 102, 99])]),
], { runId: 'saved-run' });
const current = run([
  scenario('slower-machine', [metric('wall_time_ms', 'timing', times(eight, 5.2), times(eight, 1.3))]),
  scenario('fewer-pairs', [metric('wall_time_ms', 'timing', [401, 409, 396], [140, 150, 145])]),
], { runId: 'current-run' });
const comparison = compareRuns({ ref: 'main', report: saved }, { ref: 'current', report: current });
const row = (name: string, side: string) => comparison.scenarios.find((s) => s.name === name)!.metrics.find((m) => m.side === side)!;

describe('compare reads at a glance', () => {
  it('one orientation: the gating timing row is the speedup baseline / optimized, the same number as the run table', () => {
    const paired = row('fewer-pairs', 'paired');
    expect(paired.unit).toBe('x speedup');
    expect(paired.variant).toBe('batched vs naive');
    expect(paired.better).toBe('higher');
    // The run table's speedup (a target's pairedSpeedup) of the saved run, and compare's saved value: equal.
    expect(paired.saved).toBeCloseTo(pairedSpeedup(saved.scenarios[1].metrics[0] as never)!.median, 12);
    expect(paired.saved).toBeCloseTo(4, 1);
    expect(paired.current).toBeCloseTo(396 / 145, 12); // the median pair: 401/140, 409/150, 396/145
    expect(formatComparison(comparison)).toContain('timings gate as their speedup = baseline time / optimized time per interleaved pair (above 1: the optimization is faster), as in the run table');
  });

  it('the run table and report.html state the same orientation for a speedup target', async () => {
    const m = metric('wall_time_ms', 'timing', [400, 410, 395], [100, 102, 99]);
    m.targets = [{ kind: 'speedup', text: '>= 2x', gate: 'strict', passed: true, measured: 4 }];
    const result = scenario('speedy', [m]);
    expect(formatScenario(result)).toContain('>= 2x: met [pair ratios 3.99..4.02, baseline/optimized]');
    const dir = await mkdtemp(join(tmpdir(), 'memopt-glance-targets-'));
    await writeFile(join(dir, 'summary.csv'), summaryCsv(environment(), [result]));
    const html = renderHtml(await readReportFolder(dir), []);
    expect(html).toContain('A speedup target (<code>&gt;= Nx</code>) is met by the median speedup = baseline time / optimized time per interleaved pair (above 1: the optimization is faster).');
  });

  it('gating and advisory apart: an advisory regression is not in the gating count, and each has its own labelled table', () => {
    expect(row('slower-machine', 'optimized')).toMatchObject({ verdict: 'regressed', policy: { gate: 'advisory' } });
    expect(row('slower-machine', 'paired')).toMatchObject({ verdict: 'unchanged', policy: { gate: 'strict' } });
    const counts = verdictCountsByGate(comparison);
    expect(counts.gating).toEqual({ regressed: 0, improved: 0, unchanged: 1, inconclusive: 1 });
    expect(counts.advisory.regressed).toBe(2);
    const text = formatComparison(comparison);
    expect(text).toContain('compared 6 metric(s): gating: 0 regressed, 0 improved, 1 unchanged, 1 inconclusive; advisory (never fails a build): 2 regressed, 0 improved, 1 unchanged, 1 inconclusive');
    const block = text.slice(text.indexOf('slower-machine:'), text.indexOf('fewer-pairs:'));
    expect(block).toContain('advisory (reported, never fails a build):');
    expect(block).not.toContain('gating (decides the exit code):');
    expect(block).toMatch(/wall_time_ms\s+batched\s+ms .* regressed \(advisory\)/);
    expect(block).not.toContain('REGRESSED');
  });

  it('an inconclusive gating row says why: p-value, pairs, and what a verdict needs', () => {
    const paired = row('fewer-pairs', 'paired');
    expect(paired.verdict).toBe('inconclusive');
    expect(paired.reason).toBe(
      'p = 0.100 >= 0.05 over 3 vs 3 pairs (the least p 3 vs 3 pairs can give is 0.100: compare with --repetitions 8 or more); ' +
        'a verdict needs p < 0.05, |delta| >= 0.5 and the interval outside +-10%',
    );
    expect(formatComparison(comparison)).toContain(`    why wall_time_ms (batched vs naive) is inconclusive: ${paired.reason}`);
  });

  it('report.html: counts apart, advisory rows grey and labelled, gating rows coloured by verdict, the reason shown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-glance-'));
    await writeFile(join(dir, 'comparison.csv'), comparisonCsv(comparison));
    const html = renderHtml(await readReportFolder(dir), []);
    expect(html).toContain('<strong>Gating</strong> (decides the exit code): 0 regressed, 0 improved, 1 unchanged, 1 inconclusive.');
    expect(html).toContain('<strong>Advisory</strong> (reported, never fails a build): 2 regressed, 0 improved, 1 unchanged, 1 inconclusive.');
    const advisory = html.slice(html.indexOf('<table data-gate="advisory">'));
    expect(advisory).toContain('<td class="advisory">regressed (advisory)</td>');
    expect(advisory).not.toContain('class="regressed"');
    const gating = html.slice(html.indexOf('<table data-gate="gating">'), html.indexOf('<table data-gate="advisory">'));
    expect(gating).toContain('<td class="inconclusive">inconclusive</td>');
    expect(gating).toContain('the least p 3 vs 3 pairs can give is 0.100');
    expect(gating).toContain('<td>x speedup</td>');
  });
});

describe('numbers are formatted one way per column', () => {
  it('thousands separators whether or not the value is whole; fractional bytes to one decimal', () => {
    const result = scenario('numbers', [
      metric('tokens', 'counter', [3928], [3184.4]),
      metric('mean_bytes', 'memory', [402.20444444444445], [2048], { unit: 'bytes' }),
    ]);
    const text = formatScenario(result);
    expect(text).toMatch(/tokens\s+requests\s+3,928\s+3,184/);
    expect(text).toMatch(/mean_bytes\s+bytes\s+402\.2 B\s+2\.0 KiB/);
    expect(text).not.toContain('402.20444');
  });
});
