import { verdictCounts } from '../compare/gate.ts';
import type { MetricComparison, RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, MetricResult, ScenarioResult } from '../harness/types.ts';
import { pairedSpeedup } from '../harness/targets.ts';
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
  if (result.status === 'errored') {
    const stack = options.verbose && result.error.stack ? `${result.error.stack.replace(/^/gm, '    ')}\n` : '';
    const hint = !options.verbose && result.error.stack ? '  (the stack: --verbose, or run.json)\n' : '';
    return `${header}\n  error: ${result.error.message}\n${stack}${hint}`;
  }
  const rows = [['metric', 'unit', result.baselineLabel, result.optimizedLabel, 'change', 'target']];
  for (const metric of result.metrics) {
    let target = verdict(metric);
    const speedup = metric.targets.some((t) => t.kind === 'speedup') ? pairedSpeedup(metric) : null;
    if (speedup) target += ` [pair ratios ${speedup.min.toFixed(2)}..${speedup.max.toFixed(2)}]`;
    rows.push([metric.name, metric.unit, formatValue(metric.baseline, metric.unit), formatValue(metric.optimized, metric.unit), formatChange(metric), target]);
  }
  return `${header}\n${table(rows).replace(/^/gm, '  ')}\n`;
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
    out.push(`${scenario.name}: ${shown.filter((m) => m.verdict === 'regressed').length} regressed, ${shown.filter((m) => m.verdict === 'improved').length} improved, ${unchanged} unchanged, ${shown.filter((m) => m.verdict === 'inconclusive').length} inconclusive`);
    for (const change of scenario.configChanges.slice(0, 6)) out.push(`  config: ${change}`);
    if (scenario.addedMetrics?.length) out.push(`  added (current run only): ${scenario.addedMetrics.join(', ')}`);
    if (scenario.removedMetrics?.length) out.push(`  removed (saved run only): ${scenario.removedMetrics.join(', ')}`);
    if (scenario.unsampledMetrics?.length) out.push(`  not compared: ${scenario.unsampledMetrics.join('; ')}`);
    if (shown.length === 0) continue;
    const rows = [['metric', 'variant', 'saved', 'current', 'change', 'evidence', 'verdict']];
    for (const m of shown) {
      const verdict = m.verdict === 'regressed' ? (m.policy.gate === 'advisory' ? 'regressed (advisory)' : 'REGRESSED') : m.verdict;
      rows.push([m.metric, m.variant, formatValue(m.saved, m.unit), formatValue(m.current, m.unit), formatComparisonChange(m), evidence(m), verdict]);
    }
    out.push(table(rows).replace(/^/gm, '  '));
  }
  const counts = verdictCounts(comparison);
  out.push(`compared ${counts.regressed + counts.improved + counts.unchanged + counts.inconclusive} metric(s): ${counts.regressed} regressed, ${counts.improved} improved, ${counts.unchanged} unchanged, ${counts.inconclusive} inconclusive`);
  return `${out.join('\n')}\n`;
}

function rank(verdict: MetricComparison['verdict']): number {
  return { regressed: 0, improved: 1, inconclusive: 2, unchanged: 3 }[verdict];
}
