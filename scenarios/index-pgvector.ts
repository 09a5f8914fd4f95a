import { defineScenario, indexCompressionDriver } from 'memopt';

/**
 * Issue 14: pgvector in Postgres beside memopt's FlatIndex, over the wire. By default the driver starts PGlite
 * (Postgres 18 + pgvector 0.8 in WebAssembly) behind pglite-socket in a child process on 127.0.0.1, once for the
 * scenario, and talks to it with the `pg` client; set `connectionEnv: 'PG_URL'` in the pgvector params (and the
 * peers') to measure your own Postgres instead (the string stays in the environment, never in a report).
 *
 * Baseline FlatIndex, optimized pgvector exact search (`vector(d)`, sequential scan): the same ids as FlatIndex up
 * to ties within 1e-5 in score (id_mismatches_vs_flat = 0, strict) and recall@10 = 1 against the exact float64
 * top-10. On its first repetition the pgvector side also measures pgvector's options (halfvec, binary codes with
 * full-precision re-rank, HNSW at several ef_search, IVFFlat at several probes) and, on the same vectors, memopt's
 * BinaryIndex and usearch's HNSW: the pareto_peers table and its chart, bytes as Postgres reports them
 * (pg_total_relation_size: table + TOAST + primary key + namespace btree + ANN index).
 *
 * PGlite takes one connection: every pgvector figure is single-connection, sequential queries. Its times include
 * the wire and WebAssembly Postgres; they say nothing about a native server.
 */
export default defineScenario({
  name: 'index-pgvector',
  description: 'pgvector (PGlite over the wire) vs FlatIndex: exact search agreement, pgvector storage and ANN options on the Pareto chart',
  driver: indexCompressionDriver,
  seed: 42,
  workload: {
    dataset: '../datasets/memories.jsonl',
    queries: '../datasets/queries.jsonl',
    size: 10_000,
    queryCount: 200,
    model: 'text-embedding-3-small',
    dimensions: 512,
    k: 10,
    sweepWidths: [],
    peerMethods: [
      { method: 'pgvector', storage: 'vector', search: 'exact' },
      { method: 'pgvector', storage: 'halfvec', search: 'exact' },
      { method: 'pgvector', storage: 'binary', search: 'exact', rerankFactor: 10 },
      { method: 'pgvector', storage: 'vector', search: 'hnsw', m: 16, efConstruction: 64, efSearch: [10, 40, 100, 200] },
      { method: 'pgvector', storage: 'halfvec', search: 'hnsw', m: 16, efConstruction: 64, efSearch: [40, 100] },
      { method: 'pgvector', storage: 'vector', search: 'ivfflat', lists: 100, probes: [1, 5, 10, 20] },
      { method: 'binary', oversample: [3, 10], rescore: 'float32', centre: true },
      { method: 'usearch', quantization: ['f32', 'f16'], expansionSearch: [16, 64] },
    ],
  },
  // CI: 2,000 x 128, 50 queries; HNSW and IVFFlat built on those 2,000 rows only (small m and ef_construction).
  quick: {
    size: 2_000,
    queryCount: 50,
    dimensions: 128,
    peerMethods: [
      { method: 'pgvector', storage: 'vector', search: 'exact' },
      { method: 'pgvector', storage: 'halfvec', search: 'exact' },
      { method: 'pgvector', storage: 'binary', search: 'exact', rerankFactor: 10 },
      { method: 'pgvector', storage: 'vector', search: 'hnsw', m: 8, efConstruction: 32, efSearch: [10, 40, 100], maxBuildRows: 5_000 },
      { method: 'pgvector', storage: 'vector', search: 'ivfflat', lists: 20, probes: [1, 5, 10], maxBuildRows: 5_000 },
      { method: 'binary', oversample: [10], rescore: 'float32', centre: true },
      { method: 'usearch', quantization: ['f32'], expansionSearch: [16, 64] },
    ],
  },
  repetitions: { full: 3, quick: 1 },
  baseline: { label: 'flat', params: { index: 'flat' } },
  optimized: { label: 'pgvector-exact', params: { index: 'pgvector', storage: 'vector', search: 'exact' } },
  targets: [
    { metric: 'id_mismatches_vs_flat', kind: 'max', max: 0, note: "exact pgvector returns FlatIndex's ids, ties within 1e-5 in score aside" },
    { metric: 'max_score_diff_vs_flat', kind: 'max', max: 1e-5, note: 'scores within 1e-5 of FlatIndex (pgvector sums in float32)' },
    { metric: 'recall_at_10', kind: 'min', min: 1, note: 'exact search: recall@10 = 1 against the exact float64 top-10' },
  ],
});
