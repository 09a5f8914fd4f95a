import type { EnvironmentInfo, MetricResult, ScenarioResult } from '../harness/types.ts';
import { pairedSpeedup } from '../harness/targets.ts';

/** Human rounding only; the CSVs keep full precision. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (unit === 'bytes') {
    const abs = Math.abs(value);
    if (abs >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
    if (abs >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
    if (abs >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
    return `${value} B`;
  }
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

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

export function formatScenario(result: ScenarioResult): string {
  const header = `${result.name} (${result.file.split('/').pop()}): ${result.status.toUpperCase()}` +
    `  seed=${result.seed}${result.quick ? ' quick' : ''} repetitions=${result.repetitions} ${(result.durationMs / 1000).toFixed(1)} s`;
  if (result.status === 'errored') return `${header}\n  error: ${result.error?.message}\n`;
  const rows = [['metric', 'unit', result.baselineLabel, result.optimizedLabel, 'change', 'target']];
  for (const metric of result.metrics) {
    let target = verdict(metric);
    const speedup = metric.targets.some((t) => t.text.endsWith('x')) ? pairedSpeedup(metric) : null;
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
