import { defineScenario, filterSelectivityDriver } from 'memopt';

/**
 * Issue 24 item 3, pgvector's part (`npm run bench:stress`, not in the bench: four loads of 10,000 rows over the wire
 * and an HNSW build exceed its budget). The workload of scenarios/filter-selectivity.ts (10,000 real USE-lite
 * memories, 0.1%-50% of rows passing a metadata flag, 1,000 tenants, 200 queries) for pgvector in the scenario's
 * PGlite server, over the wire (one connection): the exact scan (WHERE on the namespace B-tree, or on the jsonb
 * metadata), and HNSW (m 16, ef_construction 64, ef_search 40) with pgvector 0.8's iterative scans off (pgvector's
 * own default: one candidate list, filtered after) and relaxed_order (scans on until k rows pass or
 * hnsw.max_scan_tuples, 20,000). Which plan Postgres picks (the HNSW index or a scan and sort) is the planner's choice,
 * as it would be for a user: at 10,000 rows it scanned for every filtered query (recall 1 with iterative scans off),
 * so the last two rows force the index (`plan: 'index'`: enable_seqscan off) to measure HNSW within a filter itself.
 * 10,000 tenant searches per setting (a round trip each).
 */
export default defineScenario({
  name: 'filter-selectivity-pgvector',
  description: 'pgvector within filters of 0.1%-50% and 1,000 tenants: exact scan, HNSW with iterative scans off and on',
  driver: filterSelectivityDriver,
  seed: 42,
  workload: {
    vectors: 'use-lite',
    size: 10_000,
    queryCount: 200,
    selectivities: [0.001, 0.01, 0.1, 0.5],
    tenants: 1_000,
    tenantSearches: 10_000,
    indexes: [
      { index: 'flat' },
      { index: 'pgvector', storage: 'vector', search: 'exact' },
      { index: 'pgvector', storage: 'vector', search: 'hnsw', iterativeScan: 'off' },
      { index: 'pgvector', storage: 'vector', search: 'hnsw', iterativeScan: 'relaxed_order' },
      { index: 'pgvector', storage: 'vector', search: 'hnsw', iterativeScan: 'off', plan: 'index' },
      { index: 'pgvector', storage: 'vector', search: 'hnsw', iterativeScan: 'relaxed_order', plan: 'index' },
    ],
  },
  quick: {
    size: 2_000,
    queryCount: 50,
    tenantSearches: 1_000,
    rounds: 1,
  },
  repetitions: { full: 1, quick: 1 },
  // pgvector draws each HNSW node's level from the backend's own random state, not from the scenario's seed: the
  // built graph, and so its recall, can differ between runs.
  classes: { peer_min_filtered_recall_at_10: 'time-dependent' },
  baseline: { label: 'over-fetch', params: { filtering: 'over-fetch' } },
  optimized: { label: 'native', params: { filtering: 'native' } },
  targets: [
    { metric: 'exact_min_filtered_recall_at_10', kind: 'min', min: 1, note: 'flat and pgvector exact at every selectivity and per tenant' },
    { metric: 'peer_min_filtered_recall_at_10', kind: 'min', min: 0.95, gate: 'advisory', note: 'pgvector HNSW with iterative scans (relaxed_order); the row with them off is shown, not held to it' },
    { metric: 'outside_filter_results', kind: 'max', max: 0, note: 'no hit outside the filter' },
    { metric: 'cross_tenant_results', kind: 'max', max: 0, note: 'no hit from another tenant' },
    { metric: 'peer_max_filtered_p99_ratio', kind: 'max', max: 2, gate: 'advisory', note: 'filtered p99 at most 2x unfiltered p99, reported' },
  ],
});
