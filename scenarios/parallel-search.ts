import { defineScenario } from '../src/index.ts';
import { parallelSearchDriver } from '../src/workloads/parallel-search.ts';

/**
 * Issue 5, CPU-bound batch: exact top-10 search of 32 query vectors over 100,000 x 1536 float32 embeddings from the
 * mock's model (614 MB in SharedArrayBuffers), on the main thread vs a pool of worker threads that map the index
 * without copying it. Both sides run the same batched kernel, so the paired ratio is the parallel speedup alone;
 * `available_cores` beside it is its physical ceiling. The detail table `worker_scaling` gives 1, 2, ... workers up
 * to the core count, and the batched kernel against one query at a time.
 *
 * Gates: answers are exact (strict); the speedup target of 1.7x on 2 cores is advisory, because on a 2-core machine
 * shared with the harness (and other work) the second core is never fully ours: reported, not gated.
 * Building the index takes the mock's model ~15-25 s at full size (untimed); --quick uses 20,000 vectors.
 */
export default defineScenario({
  name: 'parallel-search',
  description: 'CPU-bound batch: exact search of 32 queries over 100,000 x 1536, main thread vs worker pool (SharedArrayBuffer)',
  driver: parallelSearchDriver,
  seed: 42,
  workload: {
    vectors: 100_000,
    queries: 32,
    topK: 10,
    model: 'text-embedding-3-small',
    workerCounts: 'auto',
    measureOneAtATime: true,
    referenceQueries: 2,
  },
  quick: { vectors: 20_000 },
  mock: { timeScale: 0, rateLimit: false },
  repetitions: { full: 3, quick: 2 },
  baseline: { label: 'main-thread', params: { mode: 'main-thread' } },
  optimized: { label: 'workers-2', params: { mode: 'workers', workers: 2 } },
  targets: [
    { metric: 'wrong_results', kind: 'max', max: 0, note: "workers answer exactly like the main thread's kernel" },
    { metric: 'reference_mismatches', kind: 'max', max: 0, note: "the kernel answers exactly like NaiveIndex's algorithm" },
    { metric: 'threads_left_after_close', kind: 'max', max: 0, note: 'clean shutdown: no worker left running' },
    {
      metric: 'batch_search_ms',
      kind: 'speedup',
      atLeast: 1.7,
      gate: 'advisory',
      note: '2 workers on 2 shared cores: physics-limited and noisy, reported not gated',
    },
    {
      metric: 'scaling_vs_one_worker',
      kind: 'min',
      min: 1.7,
      gate: 'advisory',
      note: 'the same, 1 worker vs 2: the parallel speedup alone (the main thread is slower, see the driver)',
    },
    {
      metric: 'batched_speedup_vs_single',
      kind: 'min',
      min: 2,
      gate: 'advisory',
      note: 'batched multi-query kernel vs one query at a time, same thread (a timing ratio: advisory)',
    },
  ],
});
