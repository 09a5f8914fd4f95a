import type { TopLevelSpec } from 'vega-lite';
import { firstRepetition, medianBy, summaryValue, tablesNamed, type ReportFolder, type Row } from './folder.ts';

/**
 * The charts `memopt report` knows, each a function from a report folder to zero or more charts. They read only the
 * CSVs drivers and the runner write (and run.json for a variant's params); a chart whose table is missing is simply
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

interface Point {
  x: number;
  y: number;
}

interface Series {
  name: string;
  points: Point[];
  /** 'measured': solid line with points; 'bound': dashed line (a ceiling, an optimum, an ideal). */
  style: 'measured' | 'bound';
}

const WIDTH = 520;
const HEIGHT = 300;

/** Lines with a legend: measured series solid with points, bounds dashed; axes titled with units. */
function lineChart(options: {
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

/** Hit rate against cache capacity, with the infinite-cache and Belady (optimal) bounds and the LRU replay. */
export const hitRateCharts: ChartDefinition = (folder) => {
  const charts: Chart[] = [];
  for (const [scenario, all] of tablesNamed(folder, 'hit_rate_bounds')) {
    const rows = firstRepetition(all);
    if (rows.length === 0) continue;
    const capacities = rows.map((r) => num(r.capacity)).filter((x): x is number => x !== null);
    const line = (column: string) => rows.map((r) => ({ x: num(r.capacity), y: num(r[column]) })).filter((p): p is Point => p.x !== null && p.y !== null);
    const series: Series[] = [
      { name: 'infinite cache (every repeat a hit)', points: line('infinite_cache_hit_rate'), style: 'bound' },
      { name: "Belady's optimal at this capacity", points: line('belady_hit_rate'), style: 'bound' },
      { name: 'LRU, sequential replay', points: line('lru_sequential_hit_rate'), style: 'measured' },
    ];
    // Measured: a capacity sweep if the scenario declared one, else the scenario's own point.
    const sweep = folder.tables.get(`${scenario}.sweep`);
    if (sweep && sweep.some((r) => r.param === 'maxEntries')) {
      series.push({ name: 'measured hit rate (sweep)', points: medianBy(sweep, 'value', 'hit_rate'), style: 'measured' });
    } else {
      const capacity = scenarioParams(folder, scenario, 'optimizedParams')?.maxEntries;
      const hitRate = summaryValue(folder, scenario, 'hit_rate', 'optimized');
      if (typeof capacity === 'number' && hitRate !== null) series.push({ name: `measured hit rate (capacity ${capacity})`, points: [{ x: capacity, y: hitRate }], style: 'measured' });
    }
    const invalidation = rows[0].invalidation;
    charts.push({
      id: `${scenario}-hit-rate`,
      title: 'Hit rate against cache capacity',
      caption: `${scenario}: bounds computed offline on the trace (${invalidation ?? 'targeted'} invalidation), with the measured hit rate; from ${scenario}.hit_rate_bounds.csv.`,
      spec: lineChart({
        title: 'Hit rate against cache capacity',
        subtitle: scenario,
        x: { title: 'capacity (entries)', scale: capacities.length > 2 ? 'log' : 'linear' },
        y: { title: 'hit rate', domain: [0, 1], format: '.0%' },
        series,
      }),
    });
  }
  return charts;
};

/** recall@10 against bytes per vector for every PCA width and precision, with the Pareto front. */
export const paretoCharts: ChartDefinition = (folder) => {
  const charts: Chart[] = [];
  for (const [scenario, all] of tablesNamed(folder, 'width_sweep')) {
    const rows = firstRepetition(all);
    type SweepPoint = { bytes: number; recall: number; components: number | null; variant: string; name: string };
    const ownPoints = rows.map((r) => {
      const variant = `${r.precision ?? '?'}${r.rerank && r.rerank !== 'none' ? ` + re-rank ${r.rerank}` : ''}`;
      return { bytes: num(r.bytes_per_vector), recall: num(r.recall_at_10), components: num(r.components), variant, name: `PCA ${r.components} ${variant}` };
    });
    // Peer methods measured on the same vectors (index-pareto.ts), when the run had any.
    const peerRows = firstRepetition(tablesNamed(folder, 'pareto_peers').find(([s]) => s === scenario)?.[1] ?? []);
    const peerPoints = peerRows.map((r) => ({
      bytes: num(r.bytes_per_vector),
      recall: num(r.recall_at_10),
      components: null,
      variant: String(r.method),
      name: `${r.method} ${r.setting}`,
    }));
    const points = [...ownPoints, ...peerPoints].filter((p): p is SweepPoint => p.bytes !== null && p.recall !== null);
    if (points.length === 0) continue;
    const front = paretoFront(points.map((p) => ({ x: p.bytes, y: p.recall })));
    const members = front
      .map((f) => points.find((p) => p.bytes === f.x && p.recall === f.y)!)
      .map((p) => `${p.name} (${Math.round(p.bytes)} B, ${p.recall.toFixed(3)})`);
    const target = targetNumber(folder, scenario, 'recall_at_10');
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
          x: { field: 'bytes', type: 'quantitative', title: 'bytes per vector', scale: { type: 'log', base: 2 } },
          y: { field: 'recall', type: 'quantitative', title: 'recall@10', scale: { zero: false } },
          color: { field: 'variant', type: 'nominal', title: 'precision', legend: { orient: 'bottom' } },
          tooltip: [{ field: 'components' }, { field: 'variant' }, { field: 'bytes' }, { field: 'recall' }],
        },
      },
      {
        data: { values: points },
        mark: { type: 'text', dy: -9, fontSize: 9, color: '#555' },
        encoding: { x: { field: 'bytes', type: 'quantitative' }, y: { field: 'recall', type: 'quantitative' }, text: { field: 'components' } },
      },
    ];
    if (target !== null) {
      layers.push({
        data: { values: [{ y: target, label: `target recall@10 >= ${target}` }] },
        layer: [
          { mark: { type: 'rule', color: '#c0392b', strokeDash: [2, 2] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dx: 4, dy: -6, x: 0, color: '#c0392b', fontSize: 10 }, encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      });
    }
    charts.push({
      id: `${scenario}-pareto`,
      title: 'recall@10 against bytes per vector',
      caption:
        `${scenario}: each point a PCA width (labelled) and precision${peerPoints.length > 0 ? ', or a peer method (binary, matryoshka, usearch)' : ''}; ` +
        `the dashed step is the Pareto front (no point has more recall for fewer bytes): ${members.join('; ')}; ` +
        `from ${scenario}.width_sweep.csv${peerPoints.length > 0 ? ` and ${scenario}.pareto_peers.csv` : ''}.`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: { text: 'recall@10 against bytes per vector', subtitle: `${scenario} (dashed: Pareto front)`, anchor: 'start' },
        width: WIDTH,
        height: HEIGHT,
        layer: layers,
        config: { font: 'sans-serif', view: { stroke: '#ddd' } },
      } as TopLevelSpec,
    });
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

/** Speedup against worker threads, with the ideal (linear) line and the core-count ceiling. */
export const workerCharts: ChartDefinition = (folder) => {
  const charts: Chart[] = [];
  for (const [scenario, all] of tablesNamed(folder, 'worker_scaling')) {
    const rows = all.filter((r) => r.mode === 'workers');
    const measured = medianBy(rows, 'workers', 'speedup_vs_main_thread_batched');
    if (measured.length === 0) continue;
    const cores = num(rows[0].cores);
    const xs = measured.map((p) => p.x);
    const series: Series[] = [
      { name: 'measured (vs main thread, batched)', points: measured, style: 'measured' },
      { name: 'ideal: one worker per core, no overhead', points: xs.map((x) => ({ x, y: cores === null ? x : Math.min(x, cores) })), style: 'bound' },
      flat(`core count ceiling (${cores ?? '?'} cores)`, cores, xs),
    ];
    charts.push({
      id: `${scenario}-workers`,
      title: 'Speedup against worker threads',
      caption: `${scenario}: a CPU-bound batch search split over worker threads, against the main thread's batched kernel; no speedup can pass the core count; from ${scenario}.worker_scaling.csv.`,
      spec: lineChart({ title: 'Speedup against worker threads', subtitle: scenario, x: { title: 'worker threads', integer: true }, y: { title: 'speedup (x)' }, series }),
    });
  }
  return charts;
};

/** Speedup against concurrency, with the ideal line and the rate-limit and CPU ceilings. */
export const concurrencyCharts: ChartDefinition = (folder) => {
  const charts: Chart[] = [];
  for (const [scenario, all] of tablesNamed(folder, 'concurrency_curve')) {
    const measured = medianBy(all, 'concurrency', 'speedup_vs_c1');
    if (measured.length === 0) continue;
    const xs = measured.map((p) => p.x);
    const rows = firstRepetition(all);
    const rateCap = rows.map((r) => num(r.rate_limit_cap)).find((v) => v !== null) ?? null;
    const cpuCap = rows.map((r) => num(r.cpu_cap)).find((v) => v !== null) ?? null;
    const series: Series[] = [
      { name: 'measured (vs one at a time)', points: measured, style: 'measured' },
      { name: 'ideal: latency-bound, linear', points: xs.map((x) => ({ x, y: x })), style: 'bound' },
      flat(`rate-limit ceiling (${rateCap === null ? 'none' : rateCap.toFixed(1)}x)`, rateCap, xs),
      flat(`CPU ceiling (${cpuCap === null ? '?' : cpuCap.toFixed(1)}x)`, cpuCap, xs),
    ];
    charts.push({
      id: `${scenario}-concurrency`,
      title: 'Speedup against concurrency',
      caption: `${scenario}: API-bound batch operations at each concurrency, against one at a time; the speedup stops at the lowest ceiling (rate limit or this process's CPU); from ${scenario}.concurrency_curve.csv.`,
      spec: lineChart({ title: 'Speedup against concurrency', subtitle: scenario, x: { title: 'concurrency (operations in flight)', scale: 'log' }, y: { title: 'speedup (x)', scale: 'log' }, series }),
    });
  }
  return charts;
};

/** Every chart definition, in the order the page shows them. */
export const CHART_DEFINITIONS: readonly ChartDefinition[] = [sweepCharts, hitRateCharts, paretoCharts, workerCharts, concurrencyCharts];
