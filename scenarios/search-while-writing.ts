import { defineScenario, searchWhileWritingDriver } from 'memopt';

/**
 * Issue 24 item 2: search while the memory is written. 4,000 real (USE-lite) memories; a seeded schedule on a
 * virtual clock alternates quiet blocks of 100 searches with writing blocks of 100 searches among which inserts,
 * updates and deletes arrive (Poisson, 100 writes per virtual second against 200 searches; 40% insert, 40% update,
 * 20% delete), four pairs, the order swapped every pair. Searches draw from 40 held-out queries, so a result cache
 * is hit and must never serve what a write made stale.
 *
 * Variants: MemorySystem over FlatIndex through its texts, without a result cache (baseline) and with memopt's
 * SearchCache (targeted invalidation). Gated (exact counters, seeded): 0 stale results (each search against an
 * uncached search at the same point), 0 lost writes, recall@10 = 1 against the exact answer over the memory as it
 * stood at each search; the table `streaming` drives every index directly: 0 lost writes, 0 hits of deleted
 * memories, exact indexes at recall 1 under writes. Timing (advisory): search p99 in writing blocks at most 1.5x the
 * p99 in quiet blocks, interleaved, for memopt's indexes; usearch reported. pgvector (exact and HNSW, writes over
 * the wire) runs the same schedule in scenarios/stress/search-while-writing-pgvector.ts (`npm run bench:stress`).
 */
export default defineScenario({
  name: 'search-while-writing',
  description: 'searches while inserts, updates and deletes arrive at a set (virtual) rate: p99 under writes / quiet, recall against the data as it stands, lost writes, stale cache results',
  driver: searchWhileWritingDriver,
  seed: 42,
  workload: {
    vectors: 'use-lite',
    size: 4_000,
    poolSize: 2_000,
    queryCount: 40,
    blockPairs: 4,
    searchesPerBlock: 100,
    searchesPerSecond: 200,
    writesPerSecond: 100,
    indexes: [
      { index: 'flat' },
      { index: 'sq8' },
      { index: 'compressed', components: 128, precision: 'int8', rerank: { oversample: 4, precision: 'int8' } },
      { index: 'binary', oversample: 10, rescore: 'int8' },
      { index: 'usearch', quantization: 'f32', expansionSearch: 64 },
    ],
  },
  quick: {
    size: 1_000,
    poolSize: 500,
    queryCount: 20,
    blockPairs: 2,
    searchesPerBlock: 50,
    indexes: [
      { index: 'flat' },
      { index: 'sq8' },
      { index: 'compressed', components: 64, precision: 'int8', rerank: { oversample: 4, precision: 'int8' }, fitSampleSize: 1_000 },
      { index: 'binary', oversample: 10, rescore: 'int8' },
      { index: 'usearch', quantization: 'f32', expansionSearch: 64 },
    ],
  },
  repetitions: { full: 1, quick: 1 },
  baseline: { label: 'no cache', params: { cache: { cache: 'none' } } },
  optimized: { label: 'search cache', params: { cache: { cache: 'search-cache' } } },
  targets: [
    { metric: 'stale_results', kind: 'max', max: 0, note: 'no search answered with a result a write made stale (against an uncached search at the same point)' },
    { metric: 'lost_writes', kind: 'max', max: 0, note: 'every insert, update and delete took effect (MemorySystem and its index)' },
    { metric: 'recall_at_10', kind: 'min', min: 1, note: 'exact search against the memory as it stood at each search' },
    { metric: 'index_lost_writes', kind: 'max', max: 0, note: 'every index of the table kept every write' },
    { metric: 'deleted_results', kind: 'max', max: 0, note: 'no index returned a memory after its delete' },
    { metric: 'exact_min_recall_under_writes', kind: 'min', min: 1, note: 'exact indexes under writes: the exact answer over the data as it stood' },
    { metric: 'memopt_max_write_p99_ratio', kind: 'max', max: 1.5, gate: 'advisory', note: "search p99 under writes at most 1.5x p99 without (interleaved blocks), memopt's indexes" },
    { metric: 'peer_max_write_p99_ratio', kind: 'max', max: 1.5, gate: 'advisory', note: 'the same for usearch and pgvector, reported' },
  ],
});
