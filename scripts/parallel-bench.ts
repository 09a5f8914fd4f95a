/**
 * Micro-benchmark of the search kernel (tinybench): a batch of queries over a large SharedVectorIndex, scored
 *   - one query at a time on the main thread (what a loop over `search` does),
 *   - batched on the main thread (`searchBatch`: blocks of 8 queries per pass over the vectors),
 *   - batched in worker pools of 1, 2, ... threads (WorkerPoolSearcher), up to the core count.
 *
 *   npx tsx scripts/parallel-bench.ts                      # 100,000 x 1536, 32 queries
 *   npx tsx scripts/parallel-bench.ts --vectors 20000 --iterations 3 --workers 1,2,4
 *
 * Vectors are seeded synthetic float32 values with a decaying spectrum (the kernel's speed does not depend on the
 * values; `--mock` uses the mock's embeddings instead, slower to build). Like lru-cache's benchmark, it refuses to
 * time variants whose answers differ: every variant's answers are checked against one-at-a-time first.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { SearchHit } from '../src/memory/types.ts';
import { createRng } from '../src/util/rng.ts';
import { SharedVectorIndex } from '../src/parts/parallel/shared-index.ts';
import { WorkerPoolSearcher } from '../src/parts/parallel/worker-searcher.ts';

export interface ParallelBenchOptions {
  /** Stored vectors; default 100,000. */
  vectors?: number;
  /** Queries per batch; default 32. */
  queries?: number;
  /** Width; default 1536. */
  dimensions?: number;
  topK?: number;
  /** Worker counts to time; default 1, 2, 4, ... up to os.availableParallelism(). */
  workers?: number[];
  /** Timed iterations per task (each is a whole batch); default 5. */
  iterations?: number;
  /** Use the mock's embeddings of generated texts instead of synthetic vectors. Default false. */
  mock?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

export interface ParallelBenchRow {
  task: string;
  /** 0 for the main thread. */
  workers: number;
  meanMs: number;
  /** Relative margin of error of the mean, %. */
  rme: number;
  samples: number;
  speedupVsOneAtATime: number;
  speedupVsBatched: number;
  /** 1 worker's time / this task's: the parallel speedup alone (NaN for main-thread tasks or without a 1-worker pool). */
  speedupVsOneWorker: number;
}

export interface ParallelBenchResult {
  vectors: number;
  queries: number;
  dimensions: number;
  cores: number;
  rows: ParallelBenchRow[];
}

export async function runParallelBench(options: ParallelBenchOptions = {}): Promise<ParallelBenchResult> {
  const vectors = options.vectors ?? 100_000;
  const queryCount = options.queries ?? 32;
  const dims = options.dimensions ?? 1536;
  const topK = options.topK ?? 10;
  const cores = availableParallelism();
  const workerCounts = options.workers ?? powersUpTo(cores);
  const log = options.log ?? (() => {});

  log(`building ${vectors} x ${dims} (${options.mock ? 'mock embeddings' : 'synthetic'}) ...`);
  const index = new SharedVectorIndex({ dimensions: dims, capacity: vectors });
  const rng = createRng(options.seed ?? 42);
  const row = new Float32Array(dims);
  const scale = Float64Array.from({ length: dims }, (_, i) => 1 / Math.sqrt(i + 1));
  // Loaded only when asked for: loading the mock (msw) slows the main thread's typed-array loops (README, "Limits").
  const embeddingFor = options.mock ? (await import('../src/endpoint/emulated-api/index.ts')).embeddingFor : undefined;
  for (let s = 0; s < vectors; s++) {
    if (embeddingFor) index.add(`v${s}`, embeddingFor(`memory number ${s} about topic ${s % 97}`, 'text-embedding-3-small', dims));
    else {
      for (let i = 0; i < dims; i++) row[i] = rng.normal() * scale[i];
      index.add(`v${s}`, row);
    }
  }
  const queries = Array.from({ length: queryCount }, () => Float32Array.from({ length: dims }, (_, i) => rng.normal() * scale[i]));

  // Correctness first: every variant must give one-at-a-time's answers.
  const reference = queries.map((q) => index.search(q, topK));
  assertSame('batched (main thread)', index.searchBatch(queries, topK), reference);
  const iterations = options.iterations ?? 5;
  const benchOptions = { iterations, time: 0, warmupIterations: 1, warmupTime: 0 };

  // The main thread is timed before any pool starts: starting one loads piscina, which (through tsx's loader)
  // slows this thread's typed-array loops for the rest of the process (README, "Limits").
  const mainBench = new Bench({ name: 'main thread', ...benchOptions });
  mainBench.add('one query at a time (main thread)', () => {
    for (const q of queries) index.search(q, topK);
  });
  mainBench.add('batched (main thread)', () => {
    index.searchBatch(queries, topK);
  });
  log(`timing the main thread: 2 tasks x ${iterations} iterations ...`);
  await mainBench.run();

  const searchers = new Map<number, WorkerPoolSearcher>();
  try {
    for (const n of workerCounts) {
      const searcher = new WorkerPoolSearcher(index, { workers: n });
      searchers.set(n, searcher);
      await searcher.start();
      assertSame(`${n} worker(s)`, await searcher.searchBatch(queries, topK), reference);
    }
    const workerBench = new Bench({ name: 'worker pools', ...benchOptions });
    for (const [n, searcher] of searchers) {
      workerBench.add(`batched, ${n} worker(s)`, async () => {
        await searcher.searchBatch(queries, topK);
      });
    }
    log(`timing ${workerBench.tasks.length} pool(s) x ${iterations} iterations ...`);
    await workerBench.run();

    const stats = [...mainBench.tasks, ...workerBench.tasks].map((task) => {
      const result = task.result;
      if (result?.state !== 'completed') throw new Error(`bench task '${task.name}' did not complete (${result?.state})`);
      return { name: task.name, latency: result.latency };
    });
    const single = stats[0].latency.mean;
    const batched = stats[1].latency.mean;
    const oneWorker = searchers.has(1) ? stats[2 + [...searchers.keys()].indexOf(1)].latency.mean : Number.NaN;
    const rows = stats.map(({ name, latency }, i) => ({
      task: name,
      workers: i < 2 ? 0 : workerCounts[i - 2],
      meanMs: latency.mean,
      rme: latency.rme,
      samples: latency.samplesCount,
      speedupVsOneAtATime: single / latency.mean,
      speedupVsBatched: batched / latency.mean,
      speedupVsOneWorker: i < 2 ? Number.NaN : oneWorker / latency.mean,
    }));
    return { vectors, queries: queryCount, dimensions: dims, cores, rows };
  } finally {
    await Promise.all([...searchers.values()].map((s) => s.close({ force: true })));
  }
}

function assertSame(what: string, answers: SearchHit[][], reference: SearchHit[][]): void {
  answers.forEach((hits, q) => {
    const expected = reference[q];
    const same = hits.length === expected.length && hits.every((h, i) => h.id === expected[i].id && Object.is(h.score, expected[i].score));
    if (!same) throw new Error(`${what}: query ${q} answers differ from one-at-a-time; refusing to time an incorrect search`);
  });
}

function powersUpTo(cores: number): number[] {
  const counts: number[] = [];
  for (let n = 1; n < cores; n *= 2) counts.push(n);
  counts.push(cores);
  return counts;
}

function parseArgs(argv: readonly string[]): ParallelBenchOptions {
  const options: ParallelBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${arg}: expected a value`);
      return v;
    };
    const int = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`${arg}: expected a positive integer, found '${v}'`);
      return n;
    };
    if (arg === '--vectors') options.vectors = int();
    else if (arg === '--queries') options.queries = int();
    else if (arg === '--dims') options.dimensions = int();
    else if (arg === '--iterations') options.iterations = int();
    else if (arg === '--workers') options.workers = value().split(',').map(Number);
    else if (arg === '--mock') options.mock = true;
    else throw new RangeError(`unknown option '${arg}'; expected --vectors N, --queries N, --dims N, --iterations N, --workers 1,2, --mock`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = parseArgs(process.argv.slice(2));
  const result = await runParallelBench({ ...options, log: (line) => console.error(line) });
  console.log(`${result.queries} queries, top-10, over ${result.vectors} x ${result.dimensions}; ${result.cores} core(s) available`);
  console.table(
    result.rows.map((r) => ({
      task: r.task,
      'mean ms': r.meanMs.toFixed(1),
      'rme %': r.rme.toFixed(1),
      samples: r.samples,
      'x vs one-at-a-time': r.speedupVsOneAtATime.toFixed(2),
      'x vs batched main thread': r.speedupVsBatched.toFixed(2),
      'x vs 1 worker': Number.isNaN(r.speedupVsOneWorker) ? '' : r.speedupVsOneWorker.toFixed(2),
    })),
  );
}
