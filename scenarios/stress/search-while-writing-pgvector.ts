import { defineScenario, searchWhileWritingDriver } from 'memopt';

/**
 * Issue 24 item 2, pgvector's part (`npm run bench:stress`, not in the bench: its loads and HNSW build over the wire
 * exceed the bench's budget). The schedule of scenarios/search-while-writing.ts (4,000 real USE-lite memories, four
 * pairs of quiet and writing blocks of 100 searches, writes at 100 per virtual second against 200 searches) through
 * pgvector in the scenario's PGlite server, one connection: the exact scan and HNSW (m 16, ef_construction 64,
 * ef_search 40), each write an upsert or DELETE awaited before the next search (the server's HNSW insert included).
 */
export default defineScenario({
  name: 'search-while-writing-pgvector',
  description: 'pgvector searched while written: p99 under writes / quiet, recall against the data as it stands, lost writes',
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
      { index: 'pgvector', storage: 'vector', search: 'exact' },
      { index: 'pgvector', storage: 'vector', search: 'hnsw' },
    ],
  },
  quick: { size: 1_000, poolSize: 500, queryCount: 20, blockPairs: 2, searchesPerBlock: 50 },
  repetitions: { full: 1, quick: 1 },
  // pgvector draws each HNSW node's level from the backend's own random state, not from the scenario's seed: the
  // built graph, and so its recall, can differ between runs.
  classes: { approx_min_recall_under_writes: 'time-dependent' },
  baseline: { label: 'no cache', params: { cache: { cache: 'none' } } },
  optimized: { label: 'search cache', params: { cache: { cache: 'search-cache' } } },
  targets: [
    { metric: 'stale_results', kind: 'max', max: 0, note: 'no stale result through the cache' },
    { metric: 'lost_writes', kind: 'max', max: 0, note: 'every write took effect (MemorySystem)' },
    { metric: 'index_lost_writes', kind: 'max', max: 0, note: 'every write took effect in pgvector' },
    { metric: 'deleted_results', kind: 'max', max: 0, note: 'no row returned after its DELETE' },
    { metric: 'exact_min_recall_under_writes', kind: 'min', min: 1, note: "pgvector's exact scan: the exact answer over the rows as they stood" },
    { metric: 'peer_max_write_p99_ratio', kind: 'max', max: 1.5, gate: 'advisory', note: 'search p99 under writes / quiet, reported' },
  ],
});
