import { formatGateCounts, gateOf, SPEEDUP_ORIENTATION, verdictCountsByGate } from '../compare/gate.ts';
import type { MetricComparison, RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, MetricResult, ScenarioResult } from '../harness/types.ts';
import { pairedSpeedup } from '../harness/targets.ts';
import { describeTally } from '../harness/transport-tally.ts';
import { evidence, formatComparisonChange, formatValue } from './format.ts';

export { formatValue } from './format.ts';

function formatChange(metric: MetricResult): string {
  if (metric.changePct === null) return '';
  const sign = metric.changePct > 0 ? '+' : '';
  return `${sign}${metric.changePct.toFixed(1)}%`;
}

function verdict(metric: MetricResult): string {
  return metric.targets
    .map((t) => {
      const measured = Number.isFinite(t.measured) ? ` (${formatValue(t.measured, '')})` : ' (not measured)';
      const state = t.passed ? 'met' : t.gate === 'advisory' ? 'missed, advisory' : 'MISSED';
      return `${t.text}: ${state}${t.passed ? '' : measured}`;
    })
    .join('; ');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}

/** `verbose`: an errored scenario's stack too (run.json always keeps it). */
export function formatScenario(result: ScenarioResult, options: { verbose?: boolean } = {}): string {
  const header = `${result.name} (${result.file.split('/').pop()}): ${result.status.toUpperCase()}` +
    `  seed=${result.seed}${result.quick ? ' quick' : ''} repetitions=${result.repetitions} ${(result.durationMs / 1000).toFixed(1)} s`;
  const transport = result.transport && describeTally(result.transport) ? `  endpoint: ${result.transport.requests} requests, ${result.transport.succeeded} answered 200; ${describeTally(result.transport)}\n` : '';
  if (result.status === 'errored') {
    const stack = options.verbose && result.error.stack ? `${result.error.stack.replace(/^/gm, '    ')}\n` : '';
    const hint = !options.verbose && result.error.stack ? '  (the stack: --verbose, or run.json)\n' : '';
    return `${header}\n  error: ${result.error.message}\n${stack}${hint}${transport}`;
  }
  const rows = [['metric', 'unit', result.baselineLabel, result.optimizedLabel, 'change', 'target']];
  for (const metric of result.metrics) {
    let target = verdict(metric);
    const speedup = metric.targets.some((t) => t.kind === 'speedup') ? pairedSpeedup(metric) : null;
    // Oriented as everywhere (compare, report.html): baseline / optimized, above 1 the optimization is faster.
    if (speedup) target += ` [pair ratios ${speedup.min.toFixed(2)}..${speedup.max.toFixed(2)}, baseline/optimized]`;
    rows.push([metric.name, metric.unit, formatValue(metric.baseline, metric.unit), formatValue(metric.optimized, metric.unit), formatChange(metric), target]);
  }
  return `${header}\n${table(rows).replace(/^/gm, '  ')}\n${transport}`;
}

export function formatEnvironment(env: EnvironmentInfo): string {
  return `memopt ${env.packages.memopt} run ${env.runId} - node ${env.node}, ${env.cpuCount} x ${env.cpuModel}, ` +
    `${(env.totalMemoryBytes / 1024 ** 3).toFixed(0)} GiB, seed ${env.seed}${env.quick ? ', quick' : ''}`;
}

export function formatOutcome(results: readonly ScenarioResult[]): string {
  const count = (s: ScenarioResult['status']) => results.filter((r) => r.status === s).length;
  return `${results.length} scenario(s): ${count('passed')} passed, ${count('missed')} missed a target, ${count('errored')} errored`;
}

/**
 * The comparison for a terminal: per scenario, every metric that did not come out 'unchanged' (regressions first),
 * then one line of counts. Inconclusive rows are listed so a reader sees what the samples could not decide.
 */
export function formatComparison(comparison: RunComparison): string {
  const out: string[] = [`compare: ${comparison.current.ref} (run ${comparison.current.runId}) against ${comparison.saved.ref} (run ${comparison.saved.runId})`];
  if (comparison.scenarios.some((s) => s.metrics.some((m) => m.side === 'paired'))) out.push(`  timings gate as their ${SPEEDUP_ORIENTATION}, as in the run table`);
  for (const w of comparison.warnings) out.push(`  warning: ${w}`);
  for (const scenario of comparison.scenarios) {
    if (scenario.status !== 'compared') {
      out.push(`${scenario.name}: ${scenario.status.toUpperCase()}${scenario.note ? ` (${scenario.note})` : ''}`);
      continue;
    }
    const shown = scenario.metrics
      .filter((m) => m.verdict !== 'unchanged')
      .sort((a, b) => rank(a.verdict) - rank(b.verdict));
    const unchanged = scenario.metrics.length - shown.length;
    out.push(`${scenario.name}: ${formatGateCounts(verdictCountsByGate({ ...comparison, scenarios: [scenario] }))}`);
    for (const change of scenario.configChanges.slice(0, 6)) out.push(`  config: ${change}`);
    if (scenario.addedMetrics?.length) out.push(`  added (current run only): ${scenario.addedMetrics.join(', ')}`);
    if (scenario.removedMetrics?.length) out.push(`  removed (saved run only): ${scenario.removedMetrics.join(', ')}`);
    if (scenario.unsampledMetrics?.length) out.push(`  not compared: ${scenario.unsampledMetrics.join('; ')}`);
    if (shown.length === 0) continue;
    // Gating rows (they decide the exit code) and advisory rows (reported, never failing) in tables of their own.
    for (const gate of ['gating', 'advisory'] as const) {
      const rows = shown.filter((m) => gateOf(m) === gate);
      if (rows.length === 0) continue;
      out.push(gate === 'gating' ? '  gating (decides the exit code):' : '  advisory (reported, never fails a build):');
      const cells = [['metric', 'variant', 'unit', 'saved', 'current', 'change', 'evidence', 'verdict']];
      for (const m of rows) {
        const verdict = m.verdict === 'regressed' ? (gate === 'advisory' ? 'regressed (advisory)' : 'REGRESSED') : gate === 'advisory' ? `${m.verdict} (advisory)` : m.verdict;
        cells.push([m.metric, m.variant, m.unit, formatValue(m.saved, m.unit), formatValue(m.current, m.unit), formatComparisonChange(m), evidence(m), verdict]);
      }
      out.push(table(cells).replace(/^/gm, '    '));
      // A gating row the samples could not decide says why, and what a verdict would need.
      for (const m of rows) if (gate === 'gating' && m.verdict === 'inconclusive') out.push(`    why ${m.metric} (${m.variant}) is inconclusive: ${m.reason}`);
    }
  }
  const counts = verdictCountsByGate(comparison);
  const total = [counts.gating, counts.advisory].reduce((n, c) => n + c.regressed + c.improved + c.unchanged + c.inconclusive, 0);
  out.push(`compared ${total} metric(s): ${formatGateCounts(counts)}`);
  return `${out.join('\n')}\n`;
}

function rank(verdict: MetricComparison['verdict']): number {
  return { regressed: 0, improved: 1, inconclusive: 2, unchanged: 3 }[verdict];
}
