import { defineScenario, searchTraceDriver } from 'memopt';

/**
 * Issue 14: the search cache in front of pgvector. The memory's index is a pgvector table (exact search, `vector`)
 * in the PGlite server the driver starts in a child process for the scenario, reached over the wire with `pg`
 * (set `connectionEnv` in workload.index to use your own Postgres). No result cache vs memopt's SearchCache on
 * the same trace: what a hit saves is an embedding request and a database round trip.
 *
 * index_searches counts the searches that reached the index (database round trips for searches); db_queries the
 * SQL statements pgvector ran during the replay (searches, the trace's adds, session settings). Never stale: each
 * served result is compared with an uncached search of a fresh pgvector table of the same kind holding exactly the
 * memories of that point of the trace: ids equal and scores within 1e-6.
 *
 * Invalidation is targeted: a write drops only the entries it could change, decided from the write event's vector
 * (the index is not asked) re-scored with the reference cosine against each entry's last score, with a margin of
 * pgvectorScoreMargin(128, 'vector') = 1.6e-5 covering pgvector's float32 sums (PgVectorIndex.scoreTolerance).
 *
 * PGlite takes one connection: the 8 clients' index calls queue on it, so latency and wall time are
 * single-connection figures, not what a server taking several connections would give.
 */
export default defineScenario({
  name: 'search-cache-pgvector',
  description: 'query trace by 8 clients against a pgvector-backed memory (PGlite over the wire): no cache vs SearchCache',
  driver: searchTraceDriver,
  seed: 42,
  workload: {
    trace: '../datasets/traces/search-default.jsonl',
    dataset: '../datasets/memories.jsonl',
    preload: 1_000,
    clients: 8,
    model: 'text-embedding-3-small',
    // 128 of the model's 1,536 dimensions (its Matryoshka prefix) keep the uncached scans in WebAssembly Postgres affordable.
    dimensions: 128,
    caseFold: true,
    index: { index: 'pgvector', storage: 'vector', search: 'exact' },
    staleScoreTolerance: 1e-6,
    boundCapacities: [50, 100, 200, 500],
    measureHitCost: false,
  },
  // CI: 1,000 operations (200 distinct searches, Zipf 0.9, 2% adds; scripts/generate-traces.ts --preload 500 --pool 200
  // --ops 1000 --seed 14) on 500 pre-loaded memories. Kept outside datasets/traces/, whose texts the shipped real
  // vectors cover one by one.
  quick: { trace: '../datasets/pgvector/search-trace-quick.jsonl', preload: 500 },
  endpoint: { timeScale: 0.05, rateLimit: false },
  // One full repetition: every gated figure is a counter, the same in every repetition and run (the index's
  // answers are delivered in call order with the embedder's, src/measure/call-order.ts; PGlite's one connection runs
  // the statements in the order they are sent); wall time, the one timing, is advisory here. Three took 382 s of the bench; one took 745 s on 2026-12-01 with
  // the machine's load average near 13 (other sessions' work), about a third of three on an idle machine.
  repetitions: { full: 1, quick: 1 },
  baseline: { label: 'no-cache', params: { cache: 'none' } },
  optimized: {
    label: 'search-cache',
    // 'targeted': a write drops only the entries it could change, decided from the write event's vector (no round
    // trip), with PgVectorIndex's stated score margin.
    params: { cache: 'search-cache', maxEntries: 100, ttlMs: 60_000, invalidation: 'targeted' },
  },
  targets: [
    { metric: 'hit_rate', kind: 'min', min: 0.3, note: "the seed's target" },
    { metric: 'stale_results', kind: 'max', max: 0, note: 'ids equal and scores within 1e-6 of an uncached pgvector search at the same point' },
    { metric: 'ttl_violations', kind: 'max', max: 0 },
    { metric: 'search_errors', kind: 'max', max: 0 },
    { metric: 'index_searches', kind: 'reduction', atLeastPct: 30, note: 'database round trips for searches saved' },
    { metric: 'api_requests', kind: 'reduction', atLeastPct: 30, note: 'embedding requests saved' },
    { metric: 'wall_time_ms', kind: 'speedup', atLeast: 1, gate: 'advisory', note: 'single connection to PGlite: indicative only' },
  ],
});
