import { defineScenario, filteredSearchDriver } from 'memopt';

/**
 * Issue 14 item 3: agent memory searched per user. The shipped USE-lite vectors (512-d, real sentence embeddings,
 * datasets/vectors/) of 5,000 memories spread over 200 users drawn from the seed (25 memories each on average),
 * each also 'fact' or 'chat'; 200 held-out queries, each asked within one user's namespace (a quarter also within
 * kind 'fact'). Recall@10 is against the exact filtered answer (exact cosine over that user's matching memories).
 *
 * Baseline: MemorySystem over FlatIndex with the index's filtering hidden, so MemorySystem over-fetches (4 x k, then
 * 4x more until k match) and discards, as every filtered search did before. Optimized: the filter passed to
 * FlatIndex, which scores only the namespace's rows. The table indexes_filtered asks the same filtered queries of
 * every index directly: naive, flat, sq8, PCA (int8 + re-rank), binary, usearch (a graph per namespace) and pgvector
 * (exact scan, WHERE namespace = $n on its B-tree; PGlite over the wire, one connection). pgvector's HNSW within a
 * filter (iterative scans) is measured in test/vector-store/pgvector-filtered-search.test.ts, not here: an HNSW
 * build in PGlite was left out to keep the bench inside its budget (its cost here was not measured).
 *
 * Gated: recall@10 = 1 for exact search (native side) and for every exact index of the table (naive, flat, pgvector
 * exact vector): exact counters on a fixed seed. The approximate indexes' recall is reported, not gated (no
 * target was set before measuring them). Times are reported; the speedup is advisory (timings on a shared machine).
 */
export default defineScenario({
  name: 'search-per-user',
  description: 'per-user filtered search: 5,000 real (USE-lite) memories in 200 namespaces; over-fetch vs native filtering, and every index within the filter',
  driver: filteredSearchDriver,
  seed: 42,
  workload: {
    vectors: 'use-lite',
    dataset: '../datasets/memories.jsonl',
    queries: '../datasets/queries.jsonl',
    // 5,000 rather than the 10,000 shipped: at 10,000 x 500 queries this scenario took 253 s here (the baseline's
    // over-fetch 21-64 s a repetition, pgvector's load over the wire 42 s), more than the bench's remaining room.
    size: 5_000,
    users: 200,
    queryCount: 200,
    k: 10,
    indexes: [
      { index: 'naive' },
      { index: 'flat' },
      { index: 'sq8' },
      { index: 'compressed', components: 128, precision: 'int8', rerank: { oversample: 4, precision: 'int8' } },
      { index: 'binary', oversample: 4, rescore: 'int8' },
      { index: 'usearch', quantization: 'f32', expansionSearch: 64 },
      { index: 'pgvector', storage: 'vector', search: 'exact' },
    ],
  },
  // CI: 1,000 memories in 100 users (10 each on average), 100 queries; PCA 64 fitted on those 1,000 rows. pgvector is
  // left out of the quick form: its PGlite server start and bulk insert over the wire took 31 s of this scenario's
  // 47 s here (measured), more than the quick gate's remaining room; the full form and
  // test/vector-store/pgvector-filtered-search.test.ts cover it.
  quick: {
    size: 1_000,
    users: 100,
    queryCount: 100,
    indexes: [
      { index: 'naive' },
      { index: 'flat' },
      { index: 'sq8' },
      { index: 'compressed', components: 64, precision: 'int8', rerank: { oversample: 4, precision: 'int8' }, fitSampleSize: 1_000 },
      { index: 'binary', oversample: 4, rescore: 'int8' },
      { index: 'usearch', quantization: 'f32', expansionSearch: 64 },
    ],
  },
  repetitions: { full: 3, quick: 1 },
  baseline: { label: 'over-fetch', params: { filtering: 'over-fetch' } },
  optimized: { label: 'native', params: { filtering: 'native' } },
  targets: [
    { metric: 'recall_at_10', kind: 'min', min: 1, note: 'exact search within the namespace: recall@10 = 1 against the exact filtered top-10 (native side; the baseline reported beside it)' },
    { metric: 'exact_indexes_min_recall_at_10', kind: 'min', min: 1, note: 'every exact index (naive, flat, pgvector exact) returns the exact filtered top-10' },
    { metric: 'discarded_hits_per_query', kind: 'max', max: 0, note: 'a native filtered search discards nothing (the baseline over-fetches and discards)' },
    { metric: 'query_mean_ms', kind: 'speedup', atLeast: 1, gate: 'advisory', note: 'native filtered search against over-fetch and discard, same index' },
  ],
});
