import { availableParallelism, loadavg } from 'node:os';
import { cpuUsage } from 'node:process';
import { z } from 'zod';
import { generateCorpus, generateQueries } from '../datasets/index.ts';
import { compareHits, dot, norm, scoreFromDot } from '../memory/reference.mjs';
import type { SearchHit, VectorIndex } from '../memory/types.ts';
import { referenceFloat32, referenceOf } from '../measure/reference-vectors.ts';
import type { ChartHint, DetailTable, MetricSpec, MetricValues, RunContext, WorkloadDriver } from '../harness/types.ts';
import { batchSearcherParamsSchema, createBatchSearcher, createIndex } from '../parts/registry.ts';

/**
 * The CPU-bound batch: exact top-k search of a batch of query vectors over a large index of the mock's embeddings
 * (no API in the timed part). The baseline scans on the main thread with the batched kernel (blocks of 8 queries
 * per pass over the vectors); the optimized side splits the slots between worker threads (WorkerPoolSearcher over
 * the same SharedVectorIndex: the workers map its SharedArrayBuffers, a task carries only the queries, a reply
 * only each range's top-k). Both run the same kernel; the speedup is to be read next to the machine's core count,
 * its physical limit (but see "two ratios" below).
 *
 * Per optimized run, the detail table `worker_scaling` times the same batch one query at a time on the main thread
 * (first repetition only: it is the slow one), batched on the main thread, and in pools of each worker count.
 *
 * Two ratios, because the main thread is not a neutral baseline. In the CLI's process (tsx loader, msw loaded by
 * the mock) this kernel runs ~30% slower on the main thread than in a worker, in CPU time: measured, loading msw or
 * piscina through tsx triggers it, and in plain node so does detaching any ArrayBuffer once, which points at V8's
 * array-buffer-detaching protector (once invalid, every typed-array load in a hot loop pays a check). Workers have
 * their own isolate and stay fast. So `batch_search_ms`'s speedup (main thread vs N workers) includes that, and
 * `scaling_vs_one_worker` (1 worker vs N workers) is the parallel speedup alone, the one to read against the core
 * count.
 *
 * Answers are checked in every run against the main-thread kernel's, and in prepare against a plain re-statement
 * of NaiveIndex's algorithm for a few queries (a NaiveIndex of 100,000 x 1536 doubles would need 1.2 GB).
 */
const workloadSchema = z
  .object({
    /** Stored vectors: the mock's embeddings of this many generated memories. */
    vectors: z.number().int().min(1),
    /** Queries per batch. */
    queries: z.number().int().min(1).default(32),
    topK: z.number().int().min(1).default(10),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().positive().optional(),
    /**
     * Worker counts of the scaling table; 'auto' = 1, 2, 4, ... up to and including os.availableParallelism().
     */
    workerCounts: z.union([z.literal('auto'), z.array(z.number().int().min(1).max(256)).min(1)]).default('auto'),
    /** Time the batch one query at a time on the main thread (first repetition, optimized side). */
    measureOneAtATime: z.boolean().default(true),
    /** Queries checked in prepare against NaiveIndex's algorithm restated over the shared buffers. */
    referenceQueries: z.number().int().min(0).default(2),
  })
  .strict();

const variantSchema = batchSearcherParamsSchema;

export type ParallelSearchWorkload = z.output<typeof workloadSchema>;
export type ParallelSearchVariant = z.output<typeof variantSchema>;

// Ratios derived from timings or machine load are compared statistically and never gate a comparison: the paired
// batch_search_ms does.
const metrics: MetricSpec[] = [
  { name: 'batch_search_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'exact top-k of the whole query batch (pool started beforehand)' },
  { name: 'queries_per_s', unit: 'queries/s', kind: 'timing', better: 'higher', description: 'queries answered per second of batch time' },
  { name: 'wrong_results', unit: 'queries', kind: 'counter', better: 'lower', description: "answers differing from the main-thread kernel's (ids, scores to the bit, order)" },
  { name: 'reference_mismatches', unit: 'queries', kind: 'counter', better: 'lower', description: "prepare: kernel answers differing from NaiveIndex's algorithm restated" },
  { name: 'available_cores', unit: 'cores', kind: 'counter', better: 'higher', description: 'os.availableParallelism(): the ceiling of any parallel speedup here' },
  { name: 'cores_used', unit: 'cores', kind: 'ratio', better: 'higher', compare: { method: 'statistical', gate: 'advisory' }, description: "this process's CPU time during the batch / its wall time (all threads): how much of the machine the run got" },
  { name: 'load_average_1m', unit: 'load', kind: 'ratio', better: 'lower', compare: { method: 'statistical', gate: 'advisory' }, description: 'os.loadavg()[0] when the run started: other work competing for the cores' },
  { name: 'workers', unit: 'threads', kind: 'counter', better: 'lower', description: 'worker threads searching (0 = main thread)' },
  { name: 'index_bytes', unit: 'bytes', kind: 'memory', better: 'lower', description: 'shared buffers of the index, mapped (not copied) by every worker' },
  { name: 'threads_left_after_close', unit: 'threads', kind: 'counter', better: 'lower', description: 'worker threads still alive after the pool closed' },
  {
    name: 'scaling_vs_one_worker',
    unit: 'x',
    kind: 'ratio',
    better: 'higher',
    only: 'optimized',
    compare: { method: 'statistical', gate: 'advisory' },
    description: "1 worker's batch time / this variant's worker count's (same run): the parallel speedup alone, both sides off the main thread",
  },
  { name: 'batched_speedup_vs_single', unit: 'x', kind: 'ratio', better: 'higher', only: 'optimized', compare: { method: 'statistical', gate: 'advisory' }, description: 'main thread: one-query-at-a-time time / batched time (first repetition)' },
];

interface PreparedSearch {
  workload: ParallelSearchWorkload;
  /** A 'shared' index (its buffers mapped by the workers), ids m0, m1, ... */
  index: VectorIndex;
  ids: string[];
  queries: Float32Array[];
  /** The main-thread kernel's answers, the reference of every run. */
  expected: SearchHit[][];
  referenceMismatches: number;
}

export const parallelSearchDriver: WorkloadDriver<
  ParallelSearchWorkload,
  ParallelSearchVariant,
  PreparedSearch,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>
> = {
  name: 'parallel-search',
  workloadSchema,
  variantSchema,
  metrics,

  async prepare(workload, { seed, endpoint }) {
    const model = referenceOf(endpoint, 'parallel-search');
    const vectorOf = (text: string) => referenceFloat32(model, text, workload.model, workload.dimensions);
    const texts = generateCorpus({ size: workload.vectors, seed }).map((r) => r.text);
    const dims = (await vectorOf('probe')).length;
    const index = await createIndex({ index: 'shared' }, { dimensions: dims, capacity: workload.vectors });
    const ids = texts.map((_, i) => `m${i}`);
    for (let i = 0; i < texts.length; i++) index.add(ids[i], await vectorOf(texts[i]));
    const queries: Float32Array[] = [];
    for (const q of generateQueries({ size: workload.queries, seed })) queries.push(await vectorOf(q.text));
    const expected = await index.searchBatch!(queries, workload.topK);
    let referenceMismatches = 0;
    for (let q = 0; q < Math.min(workload.referenceQueries, queries.length); q++) {
      if (!sameHits(naiveSearch(index, ids, queries[q], workload.topK), expected[q])) referenceMismatches++;
    }
    return { workload, index, ids, queries, expected, referenceMismatches };
  },

  async run(prepared, params, context) {
    const { workload, index, queries, expected } = prepared;
    const cores = availableParallelism();
    const result: MetricValues = {
      available_cores: cores,
      load_average_1m: loadavg()[0],
      index_bytes: await index.memoryBytes(),
      reference_mismatches: prepared.referenceMismatches,
    };
    if (params.mode === 'main-thread') {
      const cpu0 = cpuUsage();
      const t0 = performance.now();
      const answers = await index.searchBatch!(queries, workload.topK);
      const ms = performance.now() - t0;
      Object.assign(result, {
        batch_search_ms: ms,
        cores_used: cpuMs(cpu0) / ms,
        queries_per_s: queries.length / (ms / 1000),
        wrong_results: countWrong(answers, expected),
        workers: 0,
        threads_left_after_close: 0,
      });
      return { metrics: result };
    }

    const run = await timeWorkers(prepared, params.workers);
    Object.assign(result, {
      batch_search_ms: run.ms,
      cores_used: run.coresUsed,
      queries_per_s: queries.length / (run.ms / 1000),
      wrong_results: run.wrong,
      workers: params.workers,
      threads_left_after_close: run.threadsLeft,
    });
    const details = [await scalingTable(prepared, context, cores, result)];
    return { metrics: result, details };
  },
};

/** Starts a pool (untimed), times one batch, closes the pool; never leaves a worker behind. */
async function timeWorkers(
  prepared: PreparedSearch,
  workers: number,
): Promise<{ ms: number; coresUsed: number; wrong: number; threadsLeft: number }> {
  const searcher = await createBatchSearcher({ mode: 'workers', workers }, prepared.index);
  let ms: number;
  let coresUsed: number;
  let wrong: number;
  try {
    await searcher.start();
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    const answers = await searcher.searchBatch(prepared.queries, prepared.workload.topK);
    ms = performance.now() - t0;
    coresUsed = cpuMs(cpu0) / ms;
    wrong = countWrong(answers, prepared.expected);
  } finally {
    await searcher.close();
  }
  return { ms, coresUsed, wrong, threadsLeft: searcher.threads };
}

/** CPU ms of every thread of this process since `since`. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Speedup against worker threads, with the ideal (one worker per core) and the core-count ceiling. */
export const WORKER_SCALING_CHART: ChartHint = {
  type: 'line',
  id: 'workers',
  title: 'Speedup against worker threads',
  caption: "a CPU-bound batch search split over worker threads, against the main thread's batched kernel; no speedup can pass the core count",
  where: { mode: 'workers' },
  x: { column: 'workers', title: 'worker threads', integer: true },
  y: { title: 'speedup (x)' },
  series: [
    { name: 'measured (vs main thread, batched)', column: 'speedup_vs_main_thread_batched', style: 'measured' },
    { name: 'ideal: one worker per core, no overhead', ideal: true, cap: 'cores' },
    { name: 'core count ceiling ({value} cores)', ceiling: 'cores' },
  ],
};

/** The scaling table of one optimized run: one-at-a-time, batched, then each worker count. */
async function scalingTable(prepared: PreparedSearch, context: RunContext, cores: number, result: MetricValues): Promise<DetailTable> {
  const { workload, index, queries, expected } = prepared;
  const rows: DetailTable['rows'] = [];
  let singleMs: number | null = null;
  if (workload.measureOneAtATime && context.repetition === 0) {
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    const answers = queries.map((q) => index.search(q, workload.topK) as SearchHit[]);
    singleMs = performance.now() - t0;
    rows.push(['main thread, one query at a time', 0, cores, singleMs, cpuMs(cpu0) / singleMs, null, 1, null, countWrong(answers, expected)]);
  }
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  const answers = (await index.searchBatch!(queries, workload.topK)) as SearchHit[][];
  const batchedMs = performance.now() - t0;
  const batchedCores = cpuMs(cpu0) / batchedMs;
  if (singleMs !== null) {
    result.batched_speedup_vs_single = singleMs / batchedMs;
    context.log(`parallel-search: batched ${batchedMs.toFixed(0)} ms vs one at a time ${singleMs.toFixed(0)} ms`);
  }
  rows.push(['main thread, batched', 0, cores, batchedMs, batchedCores, 1, singleMs === null ? null : singleMs / batchedMs, null, countWrong(answers, expected)]);
  let oneWorkerMs: number | null = null;
  const counts = workerCounts(workload.workerCounts, cores);
  if (!counts.includes(1)) counts.unshift(1);
  if (!counts.includes(result.workers)) counts.push(result.workers);
  for (const workers of counts.sort((a, b) => a - b)) {
    const run = await timeWorkers(prepared, workers);
    if (workers === 1) oneWorkerMs = run.ms;
    if (workers === result.workers && oneWorkerMs !== null) result.scaling_vs_one_worker = oneWorkerMs / run.ms;
    context.log(
      `parallel-search: ${workers} worker(s): ${run.ms.toFixed(0)} ms using ${run.coresUsed.toFixed(2)} cores (main thread batched: ${batchedMs.toFixed(0)} ms)`,
    );
    rows.push([
      `workers`,
      workers,
      cores,
      run.ms,
      run.coresUsed,
      batchedMs / run.ms,
      singleMs === null ? null : singleMs / run.ms,
      oneWorkerMs === null ? null : oneWorkerMs / run.ms,
      run.wrong,
    ]);
  }
  return {
    name: 'worker_scaling',
    chart: WORKER_SCALING_CHART,
    columns: [
      'mode',
      'workers',
      'cores',
      'batch_ms',
      'cores_used',
      'speedup_vs_main_thread_batched',
      'speedup_vs_one_at_a_time',
      'speedup_vs_1_worker',
      'wrong_results',
    ],
    rows,
  };
}

/** 1, 2, 4, ... up to `cores`, and `cores` itself ('auto'); or the given counts. */
export function workerCounts(setting: 'auto' | number[], cores: number): number[] {
  if (setting !== 'auto') return [...new Set(setting)].sort((a, b) => a - b);
  const counts: number[] = [];
  for (let n = 1; n < cores; n *= 2) counts.push(n);
  counts.push(cores);
  return counts;
}

/**
 * NaiveIndex.search restated over the stored vectors, without storing doubles: every memory scored with the
 * reference arithmetic (memory/reference.mjs: dot in coordinate order, norms recomputed) from the float32 row the
 * index holds (its get(id)), all hits sorted by compareHits.
 */
function naiveSearch(index: VectorIndex, ids: readonly string[], query: ArrayLike<number>, k: number): SearchHit[] {
  const queryNorm = norm(query, 0, query.length);
  const hits: SearchHit[] = ids.map((id) => {
    const stored = index.get!(id)!;
    return { id, score: scoreFromDot(dot(stored, query), norm(stored), queryNorm) };
  });
  hits.sort(compareHits);
  return hits.slice(0, k);
}

function sameHits(a: readonly SearchHit[], b: readonly SearchHit[]): boolean {
  return a.length === b.length && a.every((hit, i) => hit.id === b[i].id && Object.is(hit.score, b[i].score));
}

function countWrong(answers: readonly SearchHit[][], expected: readonly SearchHit[][]): number {
  let wrong = 0;
  answers.forEach((hits, q) => {
    if (!sameHits(hits, expected[q])) wrong++;
  });
  return wrong + Math.abs(answers.length - expected.length);
}
