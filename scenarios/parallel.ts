import { defineScenario, parallelApiDriver, parallelSearchDriver } from 'memopt';

/**
 * Issue 5, parallel processing: a suite of two scenarios, one per kind of batch work, each with its own driver,
 * targets and report (`parallel-api`, `parallel-search`; `--filter parallel-api` runs one).
 */
export default [
  /**
   * API-bound batch: adding a batch of documents and searching a batch of queries, each operation waiting
   * on the mocked embeddings API (one request per text), one after another (baseline) vs bounded concurrency 16
   * (ParallelProcessor.map). The speedup is the median of per-repetition paired ratios of interleaved runs. Both
   * sides start on a fresh mock (a full rate-limit bucket, as an idle account), which this small batch never empties.
   *
   * The concurrency curve (detail table `concurrency_curve`, optimized runs) repeats the batch at 1, 2, 4, 8, 16, 32
   * in the sustained regime (token bucket drained first, as after earlier batches) and names what caps each point.
   * The limits put the cap inside the curve: ~17 tokens per request (short queries, longer memories) and 18,000
   * tokens per minute sustain ~18 requests/s of real time; at ~220 ms per request that is ~4 requests in flight.
   * Past it, more concurrency only earns 429s (each retried after retry-after-ms). The request limit (tier 1, 3,000
   * per minute) would cap at ~11 and does not bind. The runs are at real modelled latency (timeScale 1), so the
   * gated ratio is that of real time; one advisory pair at timeScale 0.25 (every delay and the rate-limit minute
   * compressed alike) is reported beside it as wall_time_ms_compressed. The curve runs once (the first optimized
   * run), charted not gated; the batch is 40 + 40 operations (20 + 20 quick) so the sequential side fits the budget.
   */
  defineScenario({
    name: 'parallel-api',
    description: 'API-bound batch (adds + searches, one request each): sequential vs concurrency 16, with the 1..32 curve',
    driver: parallelApiDriver,
    seed: 42,
    workload: {
      corpusSize: 1000,
      documents: 40,
      queries: 40,
      topK: 5,
      model: 'text-embedding-3-small',
      dimensions: 512,
      maxRetries: 100,
      curve: [1, 2, 4, 8, 16, 32],
      curveRegime: 'sustained',
    },
    quick: { documents: 20, queries: 20, corpusSize: 500, curve: [1, 4, 16] },
    endpoint: {
      timeScale: 1,
      latency: { baseMs: 200, perTokenMs: 0.005, jitter: 0.2 },
      rateLimit: { requestsPerMinute: 3_000, tokensPerMinute: 18_000 },
      // The curve measures how concurrency meets a limit that refills in real time (the sustained regime drains the
      // bucket and lets it refill between points), so this scenario keeps the wall clock; the gated pair never
      // empties its fresh bucket, so its counters stay exact. The curve's 429 counts are time-dependent (charted only).
      clock: 'wall',
    },
    // The advisory compressed pair in full runs only (the quick gate's 5-minute budget).
    compressedTime: { timeScale: 0.25, quickPairs: 0 },
    // One quick pair (the quick gate's 5-minute budget; the sequential side alone is ~8 s at real latency).
    repetitions: { full: 3, quick: 1 },
    baseline: { label: 'sequential', params: { mode: 'sequential' } },
    optimized: { label: 'concurrency-16', params: { mode: 'concurrent', concurrency: 16 } },
    targets: [
      { metric: 'wall_time_ms', kind: 'speedup', atLeast: 2, note: "the seed's target: a paired ratio of a latency-bound batch" },
      { metric: 'wrong_results', kind: 'max', max: 0, note: 'every search equals NaiveIndex over the same vectors' },
      { metric: 'lost_writes', kind: 'max', max: 0, note: 'every document stored under the id its call got' },
      { metric: 'failed_operations', kind: 'max', max: 0 },
      { metric: 'wrong_vectors', kind: 'max', max: 0, note: "every document and query vector is the endpoint's (run --endpoint URL: the baseline side's, cosine >= 0.999)" },
      { metric: 'peak_in_flight', kind: 'max', max: 16, note: 'never more than the concurrency at once' },
    ],
  }),

  /**
   * CPU-bound batch: exact top-10 search of 32 query vectors over 100,000 x 1536 float32 embeddings from the
   * mock's model (614 MB in SharedArrayBuffers), on the main thread vs a pool of worker threads that map the index
   * without copying it. Both sides run the same batched kernel, so the paired ratio is the parallel speedup alone;
   * `available_cores` beside it is its physical ceiling. The detail table `worker_scaling` gives 1, 2, ... workers up
   * to the core count, and the batched kernel against one query at a time.
   *
   * Gates: answers are exact (strict); the speedup target of 1.7x on 2 cores is advisory, because on a 2-core machine
   * shared with the harness (and other work) the second core is never fully ours: reported, not gated.
   * Building the index takes the mock's model ~15-25 s at full size (untimed); --quick uses 20,000 vectors.
   */
  defineScenario({
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
    endpoint: { timeScale: 0, rateLimit: false },
    repetitions: { full: 3, quick: 2 },
    baseline: { label: 'main-thread', params: { mode: 'main-thread' } },
    optimized: { label: 'workers-2', params: { mode: 'workers', workers: 2 } },
    // The workers' speedup between two runs is as noisy as its targets say: ten runs of 8 pairs on unchanged code
    // gave 14 false 'regressed' of 90 paired verdicts (-24% to -30%): 7 of one run's 8 pairs were at 1.29-1.50x
    // (median 1.36x, the other runs' 1.71-1.95x), the second core taken by something outside the run for its half-minute.
    // So compare reports these rows, as the targets are reported, and does not gate on them.
    compare: { batch_search_ms: { gate: 'advisory' }, queries_per_s: { gate: 'advisory' } },
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
  }),
];
