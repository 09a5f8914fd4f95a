import { defineScenario, memoryReplayDriver } from 'memopt';

/**
 * Issue 21 on real sentence embeddings: the agent-memory scenario's replay and stacks, unchanged (not tuned to these
 * vectors), with the scenario's server answering with USE-lite (512-d). Every stored text and question of the
 * generated workload is in its shipped USE-lite vectors, so the model does not run during the measured replay.
 * Here the relevance figures mean something the mock's cannot: whether the optimized stack (sq8 codes, the search
 * cache) still finds the memories that answer the questions as often as exact search does.
 * Cost is given at text-embedding-3-small's prices (workload.priceModel): USE-lite runs locally and has none.
 */
export default defineScenario({
  name: 'agent-memory-real',
  description: 'generated agent-memory trace through a naive and an optimized memory stack, on real USE-lite vectors',
  driver: memoryReplayDriver,
  seed: 42,
  workload: {
    trace: '../datasets/agent-memory/agent-memory.jsonl',
    model: 'use-lite',
    // The first 130 of the 1,000 users (3,606 operations; users hold 10-20 notes of history): the whole trace takes
    // minutes on the 2-core machine, over the bench's budget.
    maxUsers: 130,
    fitSample: 1_000,
    // Vector (exact), keyword (BM25+) and hybrid (both, reciprocal rank fusion) memories on the same replay, for
    // relevance alone: the stack_relevance table and fused_recall_any_at_10_margin.
    relevanceStacks: [
      { label: 'vector', stack: { embedder: { embedder: 'batch', maxWaitMs: 0 }, index: { index: 'flat' } } },
      { label: 'keyword', stack: { embedder: { embedder: 'batch', maxWaitMs: 0 }, index: { index: 'keyword' } } },
      { label: 'hybrid', stack: { embedder: { embedder: 'batch', maxWaitMs: 0 }, index: { index: 'hybrid', vector: { index: 'flat' } } } },
    ],
    relevanceUsers: 64,
    fusedLabel: 'hybrid',
  },
  quick: { trace: '../datasets/agent-memory/agent-memory-quick.jsonl', maxUsers: 25, fitSample: 200 },
  // 100x-compressed modelled latency (2 ms a request): at a real 200 ms the naive side alone would take 12 minutes.
  // The ratio gated here is the conservative one: the quick USE-lite form at timeScale 1 gave 11.1x against 6.4x at
  // 0.01 (one loaded pair each; docs/results.md).
  endpoint: { model: 'use-lite', timeScale: 0.01, rateLimit: false },
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
    { metric: 'recall_any_at_10_drop', kind: 'max', max: 0.01, note: "the optimized stack's recall_any@10 against the labels within 0.01 of exact search's (the naive stack's), on real vectors" },
    // Missed when measured on the trace with histories (-0.093 quick; full in docs/results.md): the questions
    // paraphrase the facts ("Where does the user live?" against "Lives in Berlin."), BM25 without stemming ranks them
    // poorly, and equal-weight fusion pulls the vector ranking down. The issue asks to say so: reported, not gating.
    { metric: 'fused_recall_any_at_10_margin', kind: 'min', min: 0, gate: 'advisory', note: "the hybrid memory's recall_any@10 at least the better of the vector and keyword memories' (interval in stack_relevance); missed when measured" },
    { metric: 'latency_p95_ms', kind: 'speedup', atLeast: 1, gate: 'advisory' },
  ],
});
