import { stringify } from 'csv-stringify/sync';
import type { RunComparison } from '../compare/types.ts';
import { resolveMetricClass } from '../harness/compare-policy.ts';
import type { DetailTable, EnvironmentInfo, ScenarioResult } from '../harness/types.ts';
import type { Exporter } from './exporter.ts';

/**
 * The summary's columns, exactly; tools downstream depend on them. `class` (last, so older readers keep their
 * column positions) is the metric's class: exact, timing or time-dependent (MetricClass).
 */
export const SUMMARY_COLUMNS = ['scenario', 'metric', 'unit', 'baseline', 'optimized', 'change_pct', 'target', 'passed', 'class'] as const;

type Cell = string | number | boolean | null | undefined;

/** Full precision in base units: CSV is for machines; only the console rounds. */
function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return String(value);
}

export function toCsv(header: readonly string[], rows: readonly Cell[][]): string {
  return stringify([header as string[], ...rows.map((row) => row.map(cell))]);
}

/**
 * Environment rows open the summary: scenario `_run`, metric = the key, the value in `baseline`. They keep the
 * seed, versions and machine inside the one file a user is most likely to keep, without changing its columns.
 */
export function environmentRows(env: EnvironmentInfo): Cell[][] {
  const entries: Array<[string, Cell]> = [
    ['run_id', env.runId],
    ['started_at', env.startedAt],
    ['seed', env.seed],
    ['quick', env.quick],
    ['node', env.node],
    ['platform', env.platform],
    ['cpu_model', env.cpuModel],
    ['cpu_count', env.cpuCount],
    ['total_memory_bytes', env.totalMemoryBytes],
    ['git_commit', env.gitCommit],
    ['git_dirty', env.gitDirty],
    ['os', env.os],
    ['available_parallelism', env.availableParallelism],
    ['repetitions', env.repetitions],
    ['mock_model_version', env.mockModelVersion],
    ...Object.entries(env.packages).map(([name, version]): [string, Cell] => [`version:${name}`, version]),
  ];
  return entries.map(([key, value]) => ['_run', key, '', value, '', '', '', '', '']);
}

/** One row per scenario and metric; a metric with several targets gets one row per target. */
export function summaryRows(results: readonly ScenarioResult[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const result of results) {
    if (result.status === 'errored') {
      rows.push([result.name, 'error', '', '', '', '', result.error.message, false, '']);
      continue;
    }
    for (const metric of result.metrics) {
      const base = [result.name, metric.name, metric.unit, metric.baseline, metric.optimized, metric.changePct];
      const metricClass = resolveMetricClass(metric);
      if (metric.targets.length === 0) rows.push([...base, '', '', metricClass]);
      for (const target of metric.targets) {
        const text = target.gate === 'advisory' ? `${target.text} (advisory)` : target.text;
        rows.push([...base, text, target.passed, metricClass]);
      }
    }
  }
  return rows;
}

export function summaryCsv(env: EnvironmentInfo, results: readonly ScenarioResult[]): string {
  return toCsv(SUMMARY_COLUMNS, [...environmentRows(env), ...summaryRows(results)]);
}

/** Every repetition's value of every metric, long format, with the run's identity on each row. */
export function scenarioSamplesCsv(env: EnvironmentInfo, result: ScenarioResult): string {
  const header = ['run_id', 'seed', 'quick', 'scenario', 'metric', 'unit', 'kind', 'side', 'variant', 'repetition', 'value', 'class'];
  const rows: Cell[][] = [];
  for (const metric of result.metrics) {
    for (const [side, samples, variant] of [
      ['baseline', metric.baselineSamples, result.baselineLabel],
      ['optimized', metric.optimizedSamples, result.optimizedLabel],
    ] as const) {
      samples.forEach((value, repetition) =>
        rows.push([env.runId, result.seed, result.quick, result.name, metric.name, metric.unit, metric.kind, side, variant, repetition, value, resolveMetricClass(metric)]),
      );
    }
  }
  return toCsv(header, rows);
}

export function detailTableCsv(env: EnvironmentInfo, result: ScenarioResult, table: DetailTable): string {
  return toCsv(
    ['run_id', 'seed', 'scenario', ...table.columns],
    table.rows.map((row) => [env.runId, result.seed, result.name, ...row]),
  );
}

/** The columns of comparison.csv (one row per scenario, variant and metric compared). */
export const COMPARISON_COLUMNS = [
  'saved_run_id', 'current_run_id', 'scenario', 'side', 'variant', 'metric', 'unit', 'kind', 'method', 'varies',
  'saved', 'current', 'change_pct', 'ci_low_pct', 'ci_high_pct', 'p_value', 'effect_size', 'noise_pct', 'verdict',
  'gate', 'saved_samples', 'current_samples', 'reason', 'class',
] as const;

/** Full precision; samples as space-separated lists, so one row holds a comparison's evidence. */
export function comparisonCsv(comparison: RunComparison): string {
  const rows: Cell[][] = [];
  for (const scenario of comparison.scenarios) {
    if (scenario.status !== 'compared') {
      rows.push([comparison.saved.runId, comparison.current.runId, scenario.name, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', scenario.status, '', '', '', scenario.note ?? '', '']);
      continue;
    }
    const listed = (metrics: string[] | undefined, verdict: string, note: string) => {
      for (const metric of metrics ?? []) rows.push([comparison.saved.runId, comparison.current.runId, scenario.name, '', '', metric, '', '', '', '', '', '', '', '', '', '', '', '', verdict, '', '', '', note, '']);
    };
    listed(scenario.addedMetrics, 'added', 'only in the current run');
    listed(scenario.removedMetrics, 'removed', 'only in the saved run');
    for (const entry of scenario.unsampledMetrics ?? []) {
      rows.push([comparison.saved.runId, comparison.current.runId, scenario.name, '', '', entry.split(' ')[0], '', '', '', '', '', '', '', '', '', '', '', '', 'not-compared', '', '', '', entry]);
    }
    for (const m of scenario.metrics) {
      rows.push([
        comparison.saved.runId, comparison.current.runId, m.scenario, m.side, m.variant, m.metric, m.unit, m.kind, m.method, m.varies,
        m.saved, m.current, m.changePct, m.ci?.lowPct, m.ci?.highPct, m.pValue, m.effectSize, m.noisePct, m.verdict,
        m.policy.gate, m.savedSamples.join(' '), m.currentSamples.join(' '), m.reason, m.class ?? '',
      ]);
    }
  }
  return toCsv(COMPARISON_COLUMNS, rows);
}

/** summary.csv, <scenario>.csv and <scenario>.<table>.csv; comparison.csv when the run was compared. */
export const csvExporter: Exporter = {
  render({ environment, scenarios, comparison }) {
    const files = [{ name: 'summary.csv', contents: summaryCsv(environment, scenarios) }];
    for (const result of scenarios) {
      files.push({ name: `${result.name}.csv`, contents: scenarioSamplesCsv(environment, result) });
      for (const table of result.details) {
        files.push({ name: `${result.name}.${table.name}.csv`, contents: detailTableCsv(environment, result, table) });
      }
    }
    if (comparison) files.push({ name: 'comparison.csv', contents: comparisonCsv(comparison) });
    return files;
  },
};

/**
 * run.json: the run's status and exit code, the manifest (environment, mock model version) and the full results,
 * every repetition's raw value and each scenario's input hashes included. A shard merge reads the same file.
 */
export const jsonExporter: Exporter = {
  render({ environment, scenarios, status, exitCode, finishedAt }) {
    const run = { status: status ?? 'running', exitCode: exitCode ?? null, finishedAt: finishedAt ?? null, environment, scenarios };
    return [{ name: 'run.json', contents: `${JSON.stringify(run, null, 2)}\n` }];
  },
};
