import type { TopLevelSpec } from 'vega-lite';
import type { ChartAxisHint, ChartHint, ChartSeriesHint, DetailTable, FrontChartHint, LineChartHint } from '../../harness/types.ts';
import { firstRepetition, medianBy, summaryValue, tablesNamed, type ReportFolder, type Row } from './folder.ts';

/**
 * The charts `memopt report` draws, each a function from a report folder to zero or more charts: the runner's param
 * sweeps, and every detail table whose driver gave it a chart hint (`ChartHint`, kept in run.json). They read only
 * the CSVs and run.json; no table or column name of a driver is known here. A chart whose data is missing is simply
 * not drawn. Each chart is a Vega-Lite spec, rendered to SVG in Node by `render.ts`.
 */
export interface Chart {
  /** File-safe id: charts/<id>.svg and the HTML anchor. */
  id: string;
  title: string;
  /** One or two sentences under the chart: what it shows and where the data came from. */
  caption: string;
  spec: TopLevelSpec;
}

export type ChartDefinition = (folder: ReportFolder) => Chart[];

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
  /** 'measured': solid line with points; 'bound': dashed line (a ceiling, an optimum, an ideal). */
  style: 'measured' | 'bound';
}

const WIDTH = 520;
const HEIGHT = 300;

/** Lines with a legend: measured series solid with points, bounds dashed; axes titled with units. */
export function lineChart(options: {
  title: string;
  subtitle?: string;
  x: { title: string; scale?: 'log' | 'linear'; integer?: boolean };
  y: { title: string; scale?: 'log' | 'linear'; domain?: [number, number]; format?: string };
  series: Series[];
}): TopLevelSpec {
  const series = options.series.filter((s) => s.points.length > 0);
  const values = series.flatMap((s) => s.points.map((p) => ({ x: p.x, y: p.y, series: s.name, style: s.style })));
  const xScale = options.x.scale === 'log' ? { type: 'log' as const, base: 2 } : { zero: false };
  const yScale = options.y.scale === 'log' ? { type: 'log' as const } : { ...(options.y.domain ? { domain: options.y.domain } : {}), zero: true };
  const color = { field: 'series', type: 'nominal' as const, title: null, sort: series.map((s) => s.name), legend: { orient: 'bottom' as const, columns: 2, labelLimit: 320 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title, subtitle: options.subtitle, anchor: 'start' },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.x.title, scale: xScale, axis: options.x.integer ? { tickMinStep: 1, format: 'd' } : {} },
      y: { field: 'y', type: 'quantitative', title: options.y.title, scale: yScale, axis: options.y.format ? { format: options.y.format } : {} },
      color,
    },
    layer: [
      { transform: [{ filter: "datum.style === 'measured'" }], mark: { type: 'line', point: { size: 50 }, strokeWidth: 2 } },
      { transform: [{ filter: "datum.style === 'bound'" }], mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.5 } },
    ],
    config: { font: 'sans-serif', view: { stroke: '#ddd' } },
  } as TopLevelSpec;
}

/** A constant across the x range of the other series (a ceiling drawn as a dashed line). */
function flat(name: string, y: number | null, xs: number[]): Series {
  if (y === null || !Number.isFinite(y) || xs.length === 0) return { name, points: [], style: 'bound' };
  return { name, points: [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, y })), style: 'bound' };
}

function num(value: Row[string]): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function scenarioParams(folder: ReportFolder, scenario: string, side: 'baselineParams' | 'optimizedParams'): Record<string, unknown> | null {
  const s = folder.run?.scenarios?.find((x) => x.name === scenario);
  const manifest = s?.manifest as Record<string, unknown> | undefined;
  const params = manifest?.[side];
  return typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : null;
}

/** The metrics a sweep chart plots first, by preference; at most two charts per sweep. */
const SWEEP_HEADLINES = ['api_requests', 'hit_rate', 'recall_at_10', 'throughput_texts_per_s', 'wall_time_ms'];

const PARAM_TITLES: Record<string, string> = {
  maxBatchSize: 'batch size (texts per request)',
  maxEntries: 'cache capacity (entries)',
  ttlMs: 'TTL (ms)',
  components: 'PCA width (components)',
  concurrency: 'concurrency (operations in flight)',
  workers: 'worker threads',
};

/** A declared param sweep (`<scenario>.sweep.csv`): its headline metrics against the swept value. */
export const sweepCharts: ChartDefinition = (folder) => {
  const charts: Chart[] = [];
  for (const [scenario, rows] of tablesNamed(folder, 'sweep')) {
    const param = rows.find((r) => typeof r.param === 'string')?.param as string | undefined;
    if (!param || !rows.every((r) => typeof r.value === 'number')) continue;
    const metrics = SWEEP_HEADLINES.filter((m) => rows.some((r) => typeof r[m] === 'number')).slice(0, 2);
    for (const metric of metrics) {
      const measured = medianBy(rows, 'value', metric);
      const xs = measured.map((p) => p.x);
      const baselineSide = summaryValue(folder, scenario, metric, 'baseline');
      const series: Series[] = [{ name: `measured (${rows[0].variant ?? 'optimized'})`, points: measured, style: 'measured' }];
      if (metric === 'api_requests' && param === 'maxBatchSize') {
        // The fewest requests possible: one per full batch of the naive side's texts (one request per text).
        const texts = baselineSide;
        if (texts !== null) series.push({ name: 'minimum: ceil(texts / batch size)', points: xs.map((x) => ({ x, y: Math.ceil(texts / x) })), style: 'bound' });
      }
      if (baselineSide !== null) series.push(flat(`naive baseline (${baselineSide.toLocaleString('en-US')})`, baselineSide, xs));
      const title = metric === 'api_requests' && param === 'maxBatchSize' ? 'API requests against batch size' : `${metric} against ${param}`;
      charts.push({
        id: `${scenario}-sweep-${metric}`,
        title,
        caption: `${scenario}: the ${rows[0].side ?? 'optimized'} variant run once per ${param} value (${xs.join(', ')}), everything else unchanged; from ${scenario}.sweep.csv.`,
        spec: lineChart({
          title,
          subtitle: scenario,
          x: { title: PARAM_TITLES[param] ?? param, scale: xs.length > 2 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 8 ? 'log' : 'linear' },
          y: { title: metric, scale: metric === 'api_requests' ? 'log' : 'linear' },
          series,
        }),
      });
    }
  }
  return charts;
};

/** A detail table with the chart hint its driver gave it (from run.json), and its rows (from its CSV). */
interface HintedTable {
  scenario: string;
  table: string;
  hint: ChartHint;
  rows: Row[];
}

/** Every detail table of the run that carries a chart hint and whose CSV is in the folder, in run.json's order. */
function hintedTables(folder: ReportFolder): HintedTable[] {
  const out: HintedTable[] = [];
  for (const scenario of folder.run?.scenarios ?? []) {
    const name = scenario.name;
    const details = scenario.details;
    if (typeof name !== 'string' || !Array.isArray(details)) continue;
    for (const detail of details as Array<Partial<DetailTable>>) {
      if (!detail?.chart || typeof detail.name !== 'string') continue;
      const rows = folder.tables.get(`${name}.${detail.name}`);
      if (!rows) continue;
      const where = detail.chart.where ?? {};
      out.push({ scenario: name, table: detail.name, hint: detail.chart, rows: rows.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v)) });
    }
  }
  return out;
}

/** `{column}` replaced by the row's value ('?' when empty). */
function fill(template: string, row: Row | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, column: string) => String(row?.[column] ?? '?'));
}

/** A group text: `{column}` filled; a `[...]` part left out when a column it names is empty or 'none'. */
function groupText(template: string, row: Row): string {
  const empty = (column: string) => row[column] === null || row[column] === undefined || row[column] === '' || row[column] === 'none';
  const kept = template.replace(/\[([^\]]*)\]/g, (_, part: string) => ([...part.matchAll(/\{([^}]+)\}/g)].some((m) => empty(m[1])) ? '' : part));
  return fill(kept, row);
}

function axisScale(scale: ChartAxisHint['scale'], xs: readonly number[]): 'log' | 'linear' {
  if (scale === 'auto') return xs.length > 2 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 8 ? 'log' : 'linear';
  return scale ?? 'linear';
}

function firstValue(rows: Row[], column: string): number | null {
  return rows.map((r) => num(r[column])).find((v) => v !== null) ?? null;
}

function seriesFor(folder: ReportFolder, t: HintedTable, spec: ChartSeriesHint, xColumn: string, xs: number[]): Series {
  if ('column' in spec) {
    const points =
      spec.rows === 'first'
        ? firstRepetition(t.rows).map((r) => ({ x: num(r[xColumn]), y: num(r[spec.column]) })).filter((p): p is Point => p.x !== null && p.y !== null)
        : medianBy(t.rows, xColumn, spec.column);
    return { name: spec.name, points, style: spec.style };
  }
  if ('ideal' in spec) {
    const cap = spec.cap === undefined ? null : firstValue(t.rows, spec.cap);
    return { name: spec.name, points: xs.map((x) => ({ x, y: cap === null ? x : Math.min(x, cap) })), style: 'bound' };
  }
  if ('ceiling' in spec) {
    const value = firstValue(t.rows, spec.ceiling);
    const shown = value === null ? (spec.missing ?? '?') : spec.digits === undefined ? String(value) : value.toFixed(spec.digits);
    return flat(spec.name.replace('{value}', shown), value, xs);
  }
  // A metric against a variant param: the runner's sweep of that param, else the scenario's own point.
  const sweep = folder.tables.get(`${t.scenario}.sweep`);
  if (sweep && sweep.some((r) => r.param === spec.param)) return { name: spec.sweepName, points: medianBy(sweep, 'value', spec.metric), style: 'measured' };
  const at = scenarioParams(folder, t.scenario, 'optimizedParams')?.[spec.param];
  const value = summaryValue(folder, t.scenario, spec.metric, 'optimized');
  const points = typeof at === 'number' && value !== null ? [{ x: at, y: value }] : [];
  return { name: spec.pointName.replace('{value}', String(at)), points, style: 'measured' };
}

function lineChartFor(folder: ReportFolder, t: HintedTable, hint: LineChartHint): Chart | null {
  const xs = [...new Set(t.rows.map((r) => num(r[hint.x.column])).filter((x): x is number => x !== null))].sort((a, b) => a - b);
  const series = hint.series.map((spec) => seriesFor(folder, t, spec, hint.x.column, xs));
  if (xs.length === 0 || !series.some((s) => s.style === 'measured' && s.points.length > 0)) return null;
  return {
    id: `${t.scenario}-${hint.id}`,
    title: hint.title,
    caption: `${t.scenario}: ${fill(hint.caption, t.rows[0])}; from ${t.scenario}.${t.table}.csv.`,
    spec: lineChart({
      title: hint.title,
      subtitle: t.scenario,
      x: { title: hint.x.title, scale: axisScale(hint.x.scale, xs), integer: hint.x.integer },
      y: { title: hint.y.title, scale: hint.y.scale === 'log' ? 'log' : 'linear', domain: hint.y.domain, format: hint.y.format },
      series,
    }),
  };
}

function frontChartFor(folder: ReportFolder, t: HintedTable, hint: FrontChartHint): Chart | null {
  type FrontPoint = { x: number; y: number; label: number | string; group: string; name: string };
  const pointsOf = (rows: Row[], source: { group: string; label?: string; name?: string }) =>
    firstRepetition(rows)
      .map((r) => {
        const group = groupText(source.group, r);
        // A point without a label column (a peer) or with an empty one is drawn unlabelled, never as "null".
        const label = (source.label ? (num(r[source.label]) ?? (r[source.label] as string | null)) : null) ?? '';
        return { x: num(r[hint.x.column]), y: num(r[hint.y.column]), label, group, name: source.name ? groupText(source.name, r) : group };
      })
      .filter((p): p is FrontPoint => p.x !== null && p.y !== null);
  const points: FrontPoint[] = [
    ...pointsOf(t.rows, { group: hint.group.text, label: hint.label, name: hint.name }),
    // Rows of other tables of the same scenario on the same axes (e.g. peer methods beside the width sweep).
    ...(hint.also ?? []).flatMap((extra) => pointsOf(folder.tables.get(`${t.scenario}.${extra.table}`) ?? [], extra)),
  ];
  if (points.length === 0) return null;
  const front = paretoFront(points);
  const members = front.map((f) => {
    const p = points.find((q) => q.x === f.x && q.y === f.y)!;
    return `${p.name} (${Math.round(p.x)}${hint.x.unit ? ` ${hint.x.unit}` : ''}, ${p.y.toFixed(3)})`;
  });
  const target = hint.target ? targetNumber(folder, t.scenario, hint.target) : null;
  const xs = points.map((p) => p.x);
  const xScale = axisScale(hint.x.scale, xs) === 'log' ? { type: 'log', base: 2 } : { zero: false };
  const layers: unknown[] = [
    {
      data: { values: front },
      mark: { type: 'line', interpolate: 'step-after', color: '#444', strokeDash: [6, 4] },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    },
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: hint.x.title, scale: xScale },
        y: { field: 'y', type: 'quantitative', title: hint.y.title, scale: { zero: false } },
        color: { field: 'group', type: 'nominal', title: hint.group.title, legend: { orient: 'bottom' } },
        tooltip: [{ field: 'label', title: hint.label ?? 'label' }, { field: 'group', title: hint.group.title }, { field: 'x', title: hint.x.title }, { field: 'y', title: hint.y.title }],
      },
    },
    {
      data: { values: points },
      mark: { type: 'text', dy: -9, fontSize: 9, color: '#555' },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
  if (target !== null) {
    layers.push({
      data: { values: [{ y: target, label: `target ${hint.y.title} >= ${target}` }] },
      layer: [
        { mark: { type: 'rule', color: '#c0392b', strokeDash: [2, 2] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'left', dx: 4, dy: -6, x: 0, color: '#c0392b', fontSize: 10 }, encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    });
  }
  return {
    id: `${t.scenario}-${hint.id}`,
    title: hint.title,
    caption: `${t.scenario}: ${fill(hint.caption, t.rows[0])}; from ${[t.table, ...(hint.also ?? []).map((a) => a.table)].map((n) => `${t.scenario}.${n}.csv`).join(' and ')}. On the front: ${members.join('; ')}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: hint.title, subtitle: `${t.scenario} (dashed: Pareto front)`, anchor: 'start' },
      width: WIDTH,
      height: HEIGHT,
      layer: layers,
      config: { font: 'sans-serif', view: { stroke: '#ddd' } },
    } as TopLevelSpec,
  };
}

/** Every detail table a driver gave a chart hint: drawn as its hint says (the reporter knows no table names). */
export const hintedCharts: ChartDefinition = (folder) => {
  const charts: Chart[] = [];
  for (const t of hintedTables(folder)) {
    const chart = t.hint.type === 'front' ? frontChartFor(folder, t, t.hint) : lineChartFor(folder, t, t.hint);
    if (chart) charts.push(chart);
  }
  return charts;
};

/** Points not dominated: sorted by x (cost) ascending, each strictly better in y than every cheaper one. */
export function paretoFront(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const front: Point[] = [];
  for (const p of sorted) if (front.length === 0 || p.y > front[front.length - 1].y) front.push(p);
  return front;
}

/** A `>= N` or `<= N` target's number from summary.csv, for drawing it. */
function targetNumber(folder: ReportFolder, scenario: string, metric: string): number | null {
  const row = folder.tables.get('summary')?.find((r) => r.scenario === scenario && r.metric === metric && typeof r.target === 'string');
  const match = typeof row?.target === 'string' ? /^[<>]=\s*(-?[\d.]+)$/.exec(row.target) : null;
  return match ? Number(match[1]) : null;
}

/** Every chart definition, in the order the page shows them. */
export const CHART_DEFINITIONS: readonly ChartDefinition[] = [sweepCharts, hintedCharts];
