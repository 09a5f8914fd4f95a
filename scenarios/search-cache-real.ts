import { defineScenario, searchTraceDriver } from 'memopt';

/**
 * Issue 12 item 4: the search cache on real sentence embeddings. The same replay as `search-cache` (no result cache
 * vs memopt's SearchCache, 8 clients, targeted invalidation, capacity 500), but the scenario's server answers with
 * the real USE-lite model (512-d), so query vectors, stored vectors and the stale check's reference are all real.
 *
 * Every text of the trace and of the memories is in the shipped USE-lite vectors (datasets/vectors/), so the server
 * answers from them and the model never runs during the measured replay. That is why queries are not case-folded
 * here (the mock scenario folds them): lower-cased forms of a third of the queries are not in the corpus, and a
 * case-folded key would send them through the model. Case variants therefore miss the cache as distinct queries.
 * The configuration is the mock scenario's, not tuned to these vectors.
 */
export default defineScenario({
  name: 'search-cache-real',
  description: '4,000-operation query trace (Zipf 0.9, near-duplicates, 2% adds) by 8 clients on real USE-lite vectors: no cache vs SearchCache',
  driver: searchTraceDriver,
  seed: 42,
  workload: {
    trace: '../datasets/traces/search-quick.jsonl',
    dataset: '../datasets/memories.jsonl',
    preload: 1_000,
    clients: 8,
    model: 'use-lite',
    caseFold: false,
  },
  // Real latency compressed 20x, as the mock scenario; no rate limit and no faults: this isolates caching.
  endpoint: { model: 'use-lite', timeScale: 0.05, rateLimit: false },
  repetitions: { full: 2, quick: 1 },
  baseline: { label: 'no-cache', params: { cache: 'none' } },
  optimized: {
    label: 'search-cache',
    params: { cache: 'search-cache', maxEntries: 500, ttlMs: 60_000, invalidation: 'targeted' },
  },
  targets: [
    { metric: 'hit_rate', kind: 'min', min: 0.3, note: "the seed's target, on real vectors" },
    { metric: 'stale_results', kind: 'max', max: 0, note: 'never serve a result computed before a write that changes it (real vectors)' },
    { metric: 'ttl_violations', kind: 'max', max: 0, note: 'TTL honoured' },
    { metric: 'search_errors', kind: 'max', max: 0 },
    { metric: 'belady_fraction', kind: 'min', min: 0.8, note: "at least 0.8 of Belady's optimal hit rate at the same capacity" },
    { metric: 'api_requests', kind: 'reduction', atLeastPct: 50 },
    { metric: 'api_tokens', kind: 'reduction', atLeastPct: 50, note: "tokens counted by USE-lite's own tokenizer" },
    // Advisory here: the latency is the mock's modelled latency (a real model's own time is not in it), so the speed
    // question is the mock scenario's, which gates it; on a loaded machine one quick pair measured 9.8x and 2.5x.
    { metric: 'wall_time_ms', kind: 'speedup', atLeast: 3, gate: 'advisory', note: 'gated in search-cache (same modelled latency)' },
    { metric: 'latency_p50_ms', kind: 'speedup', atLeast: 1, gate: 'advisory' },
    { metric: 'latency_p95_ms', kind: 'speedup', atLeast: 1, gate: 'advisory' },
    { metric: 'hit_cost_us', kind: 'max', max: 2, gate: 'advisory', note: 'absolute timing: reported, not gated' },
  ],
});
