/**
 * Writes a report folder like a real run's, through the real ReportWriter: a sweep over batch size, hit-rate bounds,
 * a PCA width sweep, worker scaling and a concurrency curve, with the drivers' own column names and chart hints.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetailTable, ScenarioResult } from '../../src/harness/types.ts';
import { ReportWriter } from '../../src/report/report-writer.ts';
import { WIDTH_SWEEP_CHART } from '../../src/drivers/index-compression.ts';
import { CONCURRENCY_CURVE_CHART } from '../../src/drivers/parallel-api.ts';
import { WORKER_SCALING_CHART } from '../../src/drivers/parallel-search.ts';
import { HIT_RATE_BOUNDS_CHART } from '../../src/drivers/search-trace.ts';
import { environment, metric, scenario } from './run-reports.ts';

const prefix = (rows: DetailTable['rows']) => rows.map((r) => ['optimized', 'opt', 0, ...r]);

export const CHART_IDS = [
  'batch-embeddings-sweep-api_requests',
  'batch-embeddings-sweep-wall_time_ms',
  'search-cache-hit-rate',
  'index-compression-pareto',
  'parallel-search-workers',
  'parallel-api-concurrency',
];

export async function writeReportFolder(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'memopt-charts-')), 'reports');
  const results: ScenarioResult[] = [
    scenario('batch-embeddings', [metric('api_requests', 'counter', [2000, 2000], [32, 32])], {
      details: [{
        name: 'sweep',
        columns: ['side', 'variant', 'repetition', 'param', 'value', 'api_requests', 'wall_time_ms', 'error'],
        rows: [8, 16, 32, 64, 128, 256].map((b) => ['optimized', 'batched', 0, 'maxBatchSize', b, Math.ceil(2000 / b), 400 + 20000 / b, null]),
      }],
    }),
    scenario('search-cache', [metric('hit_rate', 'counter', [0, 0], [0.52, 0.52], { better: 'higher', unit: 'fraction' })], {
      manifest: { fileSha256: 'x', workload: {}, baselineParams: { cache: 'none' }, optimizedParams: { cache: 'search-cache', maxEntries: 200 }, mock: {}, sweep: null, notes: {} },
      details: [{
        name: 'hit_rate_bounds',
        chart: HIT_RATE_BOUNDS_CHART,
        columns: ['side', 'variant', 'repetition', 'invalidation', 'capacity', 'infinite_cache_hit_rate', 'belady_hit_rate', 'lru_sequential_hit_rate', 'lru_over_belady'],
        rows: prefix([50, 100, 200, 500, 1000].map((c, i) => ['targeted', c, 0.77, 0.57 + i * 0.05, 0.35 + i * 0.1, null])),
      }],
    }),
    scenario('index-compression', [metric('recall_at_10', 'ratio', [1, 1], [0.96, 0.96], { better: 'higher', unit: 'fraction' })], {
      details: [{
        name: 'width_sweep',
        chart: WIDTH_SWEEP_CHART,
        columns: ['side', 'variant', 'repetition', 'components', 'precision', 'rerank', 'explained_variance', 'bytes_per_vector', 'index_bytes', 'recall_at_1', 'recall_at_10', 'query_mean_ms'],
        rows: prefix([64, 128, 256, 512].flatMap((w, i) => [
          [w, 'float32', 'none', 0.6 + i * 0.1, w * 4, w * 4 * 2000, 0.4 + i * 0.1, 0.55 + i * 0.12, 1 + i],
          [w, 'int8', 'none', 0.6 + i * 0.1, w, w * 2000, 0.38 + i * 0.1, 0.53 + i * 0.12, 1.2 + i],
        ])),
      }, {
        // Peer methods on the same vectors (index-pareto.ts): one on the front (more recall than int8 64 for 6 bytes
        // more), one beaten (less recall than float32 128 for more bytes).
        name: 'pareto_peers',
        columns: ['side', 'variant', 'repetition', 'method', 'setting', 'bytes_per_vector', 'index_bytes', 'bytes_how', 'build_ms', 'query_mean_ms', 'recall_at_1', 'recall_at_10', 'on_front'],
        rows: prefix([
          ['binary', 'sign bits, int8 re-score x3', 70, 140000, 'exact', 10, 0.5, 0.8, 0.9, true],
          ['usearch', 'HNSW f32, M 16, ef 64', 600, 1200000, 'serialized', 90, 0.3, 0.6, 0.66, false],
        ]),
      }],
    }),
    scenario('parallel-search', [metric('batch_search_ms', 'timing', [3400, 3500], [1450, 1460])], {
      details: [{
        name: 'worker_scaling',
        chart: WORKER_SCALING_CHART,
        columns: ['side', 'variant', 'repetition', 'mode', 'workers', 'cores', 'batch_ms', 'speedup_vs_main_thread_batched', 'speedup_vs_one_at_a_time', 'wrong_results'],
        rows: prefix([['main thread, batched', 0, 2, 1000, 1, 5, 0], ['workers', 1, 2, 1200, 0.83, 4.5, 0], ['workers', 2, 2, 700, 1.43, 8, 0]]),
      }],
    }),
    scenario('parallel-api', [metric('wall_time_ms', 'timing', [3500, 3600], [600, 610])], {
      details: [{
        name: 'concurrency_curve',
        chart: CONCURRENCY_CURVE_CHART,
        columns: ['side', 'variant', 'repetition', 'concurrency', 'regime', 'api_requests', 'wall_ms', 'speedup_vs_c1', 'ideal_speedup', 'rate_limit_cap', 'cpu_cap', 'capped_by'],
        rows: prefix([1, 2, 4, 8, 16, 32].map((c) => [c, 'sustained', 60, 3500 / Math.min(c, 6), Math.min(c, 6), c, 6.2, 17.7, c < 6 ? 'latency' : 'rate limit'])),
      }],
    }),
  ];
  const writer = new ReportWriter(dir, environment({ runId: 'chart-run' }));
  for (const result of results) await writer.add(result);
  await writer.finish({ exitCode: 0 });
  return dir;
}
