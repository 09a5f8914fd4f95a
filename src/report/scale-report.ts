/**
 * The scale sweep's outputs, from its rows (src/drivers/scale-sweep.ts) alone: the CSV of every measured point, the
 * growth table (each metric's fitted exponent per index and setting) and its CSV, and the charts (Vega-Lite specs,
 * log-log, one line per index). Reporting only: nothing here measures.
 */
import type { ScaleRow } from '../drivers/scale-sweep.ts';
import { growthExponent } from '../measure/growth.ts';
import { parse } from 'csv-parse/sync';
import { toCsv } from './csv.ts';
import { lineChart, type Chart, type Series } from './charts/definitions.ts';

export const SCALE_COLUMNS = [
  'n',
  'index',
  'setting',
  'search_setting',
  'status',
  'note',
  'fit_ms',
  'build_ms',
  'index_bytes',
  'index_bytes_per_vector',
  'index_external_bytes_per_vector',
  'heap_delta_bytes_per_vector',
  'external_delta_bytes_per_vector',
  'rss_delta_bytes_per_vector',
  'query_p50_ms',
  'query_p99_ms',
  'query_mean_ms',
  'recall_at_10',
  'queries',
] as const;

export function scaleCsv(rows: readonly ScaleRow[]): string {
  return toCsv(
    SCALE_COLUMNS,
    rows.map((r) => [
      r.n,
      r.index,
      r.setting,
      r.searchSetting,
      r.status,
      r.note,
      r.fitMs,
      r.buildMs,
      r.indexBytes,
      r.indexBytes / r.n,
      r.indexExternalBytes / r.n,
      r.heapDeltaBytes / r.n,
      r.externalDeltaBytes / r.n,
      r.rssDeltaBytes / r.n,
      r.queryP50Ms,
      r.queryP99Ms,
      r.queryMeanMs,
      r.recallAt10,
      r.queries,
    ]),
  );
}

/** Rows back from a scale.csv (to merge runs made apart: the cheap indexes and the slow peers). */
export function parseScaleCsv(text: string, source: string): ScaleRow[] {
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const num = (r: Record<string, string>, name: string) => (r[name] === '' || r[name] === undefined ? Number.NaN : Number(r[name]));
  return records.map((r, i) => {
    for (const column of SCALE_COLUMNS) if (!(column in r)) throw new RangeError(`${source}: line ${i + 2}: no column '${column}'`);
    const n = num(r, 'n');
    return {
      n,
      index: r.index,
      setting: r.setting,
      searchSetting: r.search_setting,
      status: r.status as ScaleRow['status'],
      note: r.note,
      fitMs: num(r, 'fit_ms'),
      buildMs: num(r, 'build_ms'),
      indexBytes: num(r, 'index_bytes'),
      indexExternalBytes: num(r, 'index_external_bytes_per_vector') * n,
      heapDeltaBytes: num(r, 'heap_delta_bytes_per_vector') * n,
      externalDeltaBytes: num(r, 'external_delta_bytes_per_vector') * n,
      rssDeltaBytes: num(r, 'rss_delta_bytes_per_vector') * n,
      queryP50Ms: num(r, 'query_p50_ms'),
      queryP99Ms: num(r, 'query_p99_ms'),
      queryMeanMs: num(r, 'query_mean_ms'),
      recallAt10: num(r, 'recall_at_10'),
      queries: num(r, 'queries'),
    };
  });
}

/** A line of the sweep: one index at one search setting, across N. */
export const seriesName = (r: ScaleRow): string => (r.searchSetting ? `${r.index} (${r.searchSetting})` : r.index);

/** The metrics whose growth is fitted, as (name, value of a row). Totals, so a linear cost has exponent 1. */
export const GROWTH_METRICS: ReadonlyArray<readonly [string, (r: ScaleRow) => number]> = [
  ['index_bytes', (r) => r.indexBytes],
  ['heap_delta_bytes', (r) => r.heapDeltaBytes],
  ['build_ms', (r) => r.fitMs + r.buildMs],
  ['query_p50_ms', (r) => r.queryP50Ms],
  ['query_p99_ms', (r) => r.queryP99Ms],
  ['recall_at_10', (r) => r.recallAt10],
];

export interface GrowthRow {
  series: string;
  /** The N the fit is over. */
  sizes: number[];
  /** Metric name -> fitted exponent (NaN where a value is not positive, or fewer than two N). */
  exponents: Record<string, number>;
}

export function growthTable(rows: readonly ScaleRow[]): GrowthRow[] {
  const bySeries = new Map<string, ScaleRow[]>();
  for (const r of rows) if (r.status === 'measured') bySeries.set(seriesName(r), [...(bySeries.get(seriesName(r)) ?? []), r]);
  return [...bySeries].map(([series, points]) => ({
    series,
    sizes: points.map((p) => p.n),
    exponents: Object.fromEntries(GROWTH_METRICS.map(([name, value]) => [name, growthExponent(points.map((p) => ({ n: p.n, value: value(p) })))])),
  }));
}

export function growthCsv(table: readonly GrowthRow[]): string {
  const names = GROWTH_METRICS.map(([name]) => name);
  return toCsv(
    ['series', 'sizes', ...names.map((n) => `${n}_exponent`)],
    table.map((g) => [g.series, g.sizes.join(' '), ...names.map((n) => g.exponents[n])]),
  );
}

const CHARTS: ReadonlyArray<{ id: string; title: string; y: string; log: boolean; value: (r: ScaleRow) => number }> = [
  { id: 'scale-query-p50', title: 'Query p50 against N', y: 'query p50 (ms)', log: true, value: (r) => r.queryP50Ms },
  { id: 'scale-query-p99', title: 'Query p99 against N', y: 'query p99 (ms)', log: true, value: (r) => r.queryP99Ms },
  { id: 'scale-build', title: 'Build time (fit + load + build) against N', y: 'build (ms)', log: true, value: (r) => r.fitMs + r.buildMs },
  { id: 'scale-bytes', title: 'Bytes per vector against N (as the index counts them)', y: 'bytes per vector', log: true, value: (r) => r.indexBytes / r.n },
  { id: 'scale-recall', title: 'Recall@10 against N (held-out queries, exact top-10 by flat scan)', y: 'recall@10', log: false, value: (r) => r.recallAt10 },
];

/** One log-log chart per metric, one line per index and search setting; the growth exponent in each legend entry. */
export function scaleCharts(rows: readonly ScaleRow[], subtitle: string): Chart[] {
  const measured = rows.filter((r) => r.status === 'measured');
  const names = [...new Set(measured.map(seriesName))];
  const growth = new Map(growthTable(rows).map((g) => [g.series, g]));
  const metricOf: Record<string, string> = {
    'scale-query-p50': 'query_p50_ms',
    'scale-query-p99': 'query_p99_ms',
    'scale-build': 'build_ms',
    'scale-bytes': 'index_bytes',
    'scale-recall': 'recall_at_10',
  };
  return CHARTS.map((c) => {
    const series: Series[] = names.map((name) => {
      const exponent = growth.get(name)?.exponents[metricOf[c.id]];
      const label = exponent !== undefined && Number.isFinite(exponent) ? `${name}: N^${exponent.toFixed(2)}${c.id === 'scale-bytes' ? ' total' : ''}` : name;
      return { name: label, style: 'measured', points: measured.filter((r) => seriesName(r) === name).map((r) => ({ x: r.n, y: c.value(r) })).filter((p) => Number.isFinite(p.y)) };
    });
    return {
      id: c.id,
      title: c.title,
      caption: `Scale sweep (${subtitle}); legend: each line's fitted growth exponent (slope on log-log). From scale.csv.`,
      spec: lineChart({ title: c.title, subtitle, x: { title: 'N (memories)', scale: 'log' }, y: { title: c.y, scale: c.log ? 'log' : 'linear' }, series }),
    };
  });
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** The sweep as Markdown: one row per N, index and search setting, then the growth exponents (for docs/results.md). */
export function scaleMarkdown(rows: readonly ScaleRow[]): string {
  const lines = [
    '| N | index | search setting | bytes/vector (index) | heap Δ bytes/vector | build s | query p50 ms | query p99 ms | recall@10 | note |',
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const measured = r.status === 'measured';
    lines.push(
      `| ${r.n.toLocaleString('en-US')} | ${r.index} | ${r.searchSetting || '-'} | ${measured ? fixed(r.indexBytes / r.n, 0) : '-'} | ${measured ? fixed(r.heapDeltaBytes / r.n, 0) : '-'} | ` +
        `${measured ? fixed((r.fitMs + r.buildMs) / 1000, 1) : '-'} | ${fixed(r.queryP50Ms, 2)} | ${fixed(r.queryP99Ms, 2)} | ${fixed(r.recallAt10, 4)} | ${r.status === 'measured' ? r.note : `${r.status}: ${r.note}`} |`,
    );
  }
  lines.push('', '| series | N fitted | bytes | heap Δ | build | p50 | p99 | recall@10 |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const g of growthTable(rows)) {
    const e = (name: string) => fixed(g.exponents[name], 2);
    lines.push(`| ${g.series} | ${g.sizes.map((n) => n.toLocaleString('en-US')).join(', ')} | ${e('index_bytes')} | ${e('heap_delta_bytes')} | ${e('build_ms')} | ${e('query_p50_ms')} | ${e('query_p99_ms')} | ${e('recall_at_10')} |`);
  }
  return `${lines.join('\n')}\n`;
}
