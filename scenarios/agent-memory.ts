import { defineScenario, memoryReplayDriver } from 'memopt';

/**
 * Issue 21: agent memory, replayed. The generated multi-user workload (datasets/agent-memory/: sessions of turns,
 * facts stated then changed, deletions, recurring and paraphrased questions labelled with the memories that answer
 * them) replayed through two whole memory stacks on the mock's vectors, in the trace's virtual time:
 * - naive: one embedding request per text, no cache, exact float32 scan (FlatIndex), one user at a time;
 * - optimized: the BatchEmbedder (a step's texts in one request), the SearchCache (per-user keys, invalidated on the
 *   user's writes), int8 scalar quantization (sq8: a quarter of float32's bytes), 16 users at once.
 * Why sq8 rather than the PCA index of the index-compression scenarios: a user's memory is small, and on the quick
 * trace PCA-256 with int8 re-ranking made the replay 5x slower than sq8 (10.8 s against 1.9 s, under load) and,
 * with its 1 MB projection, larger than float32 below a few thousand memories.
 * Both stacks embed everything through the endpoint (stored texts and queries), so requests, tokens and cost are
 * what remembering the conversations costs. The modelled API latency is compressed 100x (2 ms a request) so the
 * full replay fits the bench; the speed-up it shows is the steps' batching and the users' concurrency at that scale.
 */
export default defineScenario({
  name: 'agent-memory',
  description: 'generated agent-memory trace (users writing, updating, deleting and searching) through a naive and an optimized memory stack, mock vectors',
  driver: memoryReplayDriver,
  seed: 42,
  workload: {
    trace: '../datasets/agent-memory/agent-memory.jsonl',
    model: 'text-embedding-3-small',
    dimensions: 512,
    // The first 130 of the 1,000 users (3,606 operations; users hold 10-20 notes of history): the whole trace takes
    // minutes on the 2-core machine, over the bench's budget.
    maxUsers: 130,
    fitSample: 1_000,
  },
  quick: { trace: '../datasets/agent-memory/agent-memory-quick.jsonl', maxUsers: 25, fitSample: 200 },
  // 100x-compressed modelled latency (2 ms a request): at a real 200 ms the naive side alone would take 12 minutes.
  // The ratio gated here is the conservative one: the quick USE-lite form at timeScale 1 gave 11.1x against 6.4x at
  // 0.01 (one loaded pair each; docs/results.md).
  endpoint: { timeScale: 0.01, rateLimit: false },
  repetitions: { full: 1, quick: 1 },
  baseline: {
    label: 'naive-stack',
    params: { stack: { embedder: { embedder: 'naive' }, cache: { cache: 'none' }, index: { index: 'flat' } }, users: 1 },
  },
  optimized: {
    label: 'optimized-stack',
    params: {
      stack: {
        embedder: { embedder: 'batch', maxBatchSize: 256, maxWaitMs: 0 },
        cache: { cache: 'search-cache', maxEntries: 1_000, invalidation: 'generation' },
        index: { index: 'sq8' },
      },
      users: 16,
    },
  },
  targets: [
    { metric: 'api_requests', kind: 'reduction', atLeastPct: 50, note: "the seed's target on the replay: embedding requests -50% or better" },
    // Missed, and no cache can meet it here: on this trace nearly every turn writes, so no question is asked twice
    // between two writes of its user (cache_hit_rate_bound, the ceiling of any never-stale per-user result cache, is
    // 0 on the quick trace, see docs/results.md for the full one). Reported against the seed's figure; what is
    // gated is that the cache takes every hit the trace allows.
    { metric: 'cache_hit_rate', kind: 'min', min: 0.3, gate: 'advisory', note: "the seed's target: search cache hit rate >= 0.3 (missed: the trace's ceiling is cache_hit_rate_bound)" },
    { metric: 'cache_hit_shortfall', kind: 'max', max: 0, note: 'the cache answers every search a never-stale per-user result cache could (hit rate = the trace ceiling)' },
    { metric: 'index_bytes', kind: 'reduction', atLeastPct: 50, note: "the seed's target: index memory -50% or better" },
    { metric: 'wall_time_ms', kind: 'speedup', atLeast: 2, note: "the seed's target: the replay at least 2x faster (paired runs)" },
    { metric: 'stale_results', kind: 'max', max: 0, note: 'never the old memory after an update or delete' },
    { metric: 'cross_user_results', kind: 'max', max: 0, note: "never another user's memory" },
    { metric: 'lost_writes', kind: 'max', max: 0, note: 'every write the trace leaves live is in the stack' },
    { metric: 'write_errors', kind: 'max', max: 0 },
    { metric: 'search_errors', kind: 'max', max: 0 },
    { metric: 'recall_at_10', kind: 'min', min: 0.95, note: "recall@10 against exact search over the user's memory as it stands" },
    { metric: 'recall_any_at_10_drop', kind: 'max', max: 0.01, gate: 'advisory', note: 'gated on real vectors (agent-memory-real); reported here on the mock' },
    { metric: 'latency_p95_ms', kind: 'speedup', atLeast: 1, gate: 'advisory' },
  ],
});
