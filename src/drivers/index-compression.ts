import { z } from 'zod';
import { InputError } from '../errors.ts';
import { loadDataset, loadQueries } from '../datasets/index.ts';
import { retainedBytes } from '../harness/memory-probe.ts';
import { percentiles } from '../harness/statistics.ts';
import { measurePeers, peerMethodSchema } from './index-pareto.ts';
import type { ChartHint, DetailTable, InputDeclaration, MemorySample, MetricSpec, MetricValues, RunContext, WorkloadDriver } from '../harness/types.ts';
import { CompressedIndex, type CompressedIndexOptions } from '../parts/vector-index/compressed-index.ts';
import { compressedIndexOptions, createIndex, indexParamsSchema, precisionSchema, rerankSchema, type IndexParams } from '../parts/vector-index/create.ts';
import { FlatIndex } from '../parts/vector-index/flat-index.ts';
import { ScalarQuantizedIndex } from '../parts/vector-index/scalar-quantized-index.ts';
import { NaiveIndex } from '../parts/vector-index/naive-index.ts';
import { fitPca, type PcaModel } from '../parts/vector-index/pca.ts';
import { exactTopK, recallAtK } from '../parts/vector-index/recall.ts';
import type { SearchHit, VectorIndex } from '../memory/types.ts';
import { isFactoryVariant } from '../harness/factory-variant.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';
import { partStatsTable } from './part-stats.ts';
import { cosine as referenceCosine } from '../memory/reference.mjs';
import { referenceFloat32, referenceOf } from './reference.ts';
import { createRng } from '../util/rng.ts';
import { loadVectorSets, type VectorMatrix } from '../datasets/vector-files.ts';
import { ShippedVectors, SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import { mockVsRealOnTexts } from '../endpoint/models/mock-vs-real.ts';
import { takeSample } from '../datasets/load.ts';
import { join } from 'node:path';
import { PgDatabases } from '../parts/vector-store/database.ts';
import { PgVectorIndex } from '../parts/vector-store/pgvector-index.ts';

/**
 * The index-compression workload: one collection of embeddings (the mock's vectors of a dataset's texts) is built
 * into the variant's index and into a FlatIndex, and the same held-out queries (texts not in the collection) are
 * answered by both, interleaved query by query so machine load falls on both alike. Recall is measured against the
 * exact cosine top-k over the original full vectors (float64), computed once in prepare().
 *
 * The baseline side is NaiveIndex (the seed's memory); the optimized side a CompressedIndex. FlatIndex rides along
 * in every run, so each run reports how much of the saving typed storage alone gives. On the optimized side's
 * first repetition, the PCA width sweep fits once at the widest width and derives the narrower models by truncation
 * (principal axes nest), then builds and queries one index per width.
 *
 * Vectors are the endpoint's reference vectors (for the mock, `embeddingFor`, the function it answers with) rather
 * than fetched over HTTP: the index, not the API, is under test, and the vectors are identical.
 *
 * A variant may bring its own VectorIndex (a factory; its methods may return promises): it is fitted on the whole
 * collection if it has fit(), filled with addMany() (or add() per vector), and measured like memopt's indexes;
 * its stats(), if any, are reported as the detail table part_stats.
 */
const precision = precisionSchema;
const rerank = rerankSchema;

/** Queries asked of a file-sourced collection when the workload names no count: a large file stays inside the budget. */
export const FILE_QUERY_CAP = 1_000;

/** The model whose shipped vectors `vectors: 'use-lite'` reads (datasets/vectors/). */
const SHIPPED_MODEL = 'use-lite';

/**
 * Where the vectors come from. Absent: the endpoint's reference vectors of the dataset's and queries' texts (the
 * mock's model). 'use-lite': the shipped real vectors (datasets/vectors/) of the same texts. A file source: the
 * user's own vectors (src/datasets/vector-files.ts formats), queries from a second file or a held-out share of the
 * base rows drawn from the scenario's seed; `dataset`, `queries` and `model` are then unused.
 */
const vectorSourceSchema = z.union([
  z.literal(SHIPPED_MODEL),
  z
    .object({
      base: z.string().min(1),
      queries: z.string().min(1).optional(),
      /** Rows of `base` held out as queries (seeded by the scenario's seed), when there is no query file. */
      holdOut: z.number().int().min(1).optional(),
      format: z.enum(['npy', 'fvecs', 'raw-f32', 'jsonl']).optional(),
    })
    .strict()
    .refine((v) => (v.queries === undefined) !== (v.holdOut === undefined), 'give exactly one of queries (a file) or holdOut (a row count)'),
]);

const workloadSchema = z
  .object({
    /** Where the vectors come from (see vectorSourceSchema); default the endpoint's reference vectors of the texts. */
    vectors: vectorSourceSchema.optional(),
    /** Memories JSONL; the first `size` records are the collection. */
    dataset: z.string().default('datasets/memories.jsonl'),
    /** Held-out queries JSONL; the first `queryCount` records are asked. */
    queries: z.string().default('datasets/queries.jsonl'),
    /** Vectors in the collection (the first `size`); for a file source default all of its base rows. */
    size: z.number().int().min(2).optional(),
    /** Queries asked (the first `queryCount`); for a file source default min(rows, FILE_QUERY_CAP). */
    queryCount: z.number().int().min(1).optional(),
    model: z.string().default('text-embedding-3-small'),
    /** Width of the vectors asked of the model (its Matryoshka prefix); default the model's own. */
    dimensions: z.number().int().min(1).optional(),
    /** Results per query; recall@k is measured for k = 1 and k = this. */
    k: z.number().int().min(1).default(10),
    /** The PCA width sweep (optimized side, first repetition); an empty list skips it. */
    sweepWidths: z.array(z.number().int().min(1)).default([64, 128, 256, 384, 512]),
    /** Storage variants the sweep builds at each width. */
    sweepVariants: z
      .array(z.object({ precision: precision.default('float32'), rerank: rerank.default(false) }).strict())
      .default([{ precision: 'float32', rerank: false }]),
    /** Peer methods (binary, matryoshka, usearch, pgvector) measured beside the sweep on the same vectors (index-pareto.ts); none by default. */
    peerMethods: z.array(peerMethodSchema).default([]),
    /**
     * The mock against reality: the detail table 'mock-vs-real' (src/endpoint/models/mock-vs-real.ts), the mock's
     * text-embedding-3-small geometry beside the shipped USE-lite vectors' on a seeded sample of `texts` of the
     * dataset's distinct texts (PCA on all of them, neighbours of `neighbourQueries`), whatever `size` and the
     * vector source: so the mock and real index scenarios show the same table, computed once per process. Reported
     * with the optimized side's first repetition. Absent: no table. Not for file-sourced vectors (no texts).
     */
    mockVsReal: z
      .object({
        texts: z.number().int().min(10).default(500),
        neighbourQueries: z.number().int().min(1).default(100),
        seed: z.number().int().default(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (typeof w.vectors === 'object' && w.mockVsReal) ctx.addIssue({ code: 'custom', path: ['mockVsReal'], message: 'needs texts: not for vectors from a file' });
    if (typeof w.vectors === 'object') return;
    for (const field of ['size', 'queryCount'] as const) {
      if (w[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required unless the vectors come from a file' });
    }
  });

const variantSchema = indexParamsSchema;

export type IndexCompressionWorkload = z.output<typeof workloadSchema>;
export type IndexCompressionVariant = IndexParams;

/** What an index-compression variant's own factory gets to build its VectorIndex with. */
export interface IndexFactoryContext {
  /** Width of every stored and query vector. */
  dimensions: number;
  /** Vectors that will be added. */
  capacity: number;
  seed: number;
}

/** A user's VectorIndex for an index-compression variant (`{ label, factory, version }` in place of `params`). */
export type IndexFactory = (context: IndexFactoryContext) => VectorIndex | Promise<VectorIndex>;

/**
 * Scores this close are ties: pgvector sums in float32 in another order than FlatIndex, so the two may rank equal
 * neighbours differently (its README states 1e-5 for exact `vector` search).
 */
export const SCORE_TOLERANCE = 1e-5;

const metrics: MetricSpec[] = [
  { name: 'index_bytes', unit: 'bytes', kind: 'counter', better: 'lower', description: "the index's memoryBytes(): stored vectors, re-rank vectors, model and quantizer ranges (exact, from the arrays held)" },
  { name: 'bytes_per_vector', unit: 'bytes', kind: 'counter', better: 'lower', description: 'index_bytes / vectors stored (the model amortized over the collection)' },
  { name: 'reduction_vs_flat_pct', unit: '%', kind: 'counter', better: 'higher', description: '(FlatIndex bytes - index_bytes) / FlatIndex bytes x 100, same vectors' },
  { name: 'flat_index_bytes', unit: 'bytes', kind: 'counter', better: 'lower', description: "FlatIndex's memoryBytes() for the same vectors" },
  { name: 'measured_bytes', unit: 'bytes', kind: 'memory', better: 'lower', description: 'heap + array buffers after forced GC, after building the index minus before, plus the WebAssembly memory it holds (V8 reports that in neither)' },
  { name: 'recall_at_1', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'top-1 found / exact cosine top-1, mean over held-out queries' },
  { name: 'recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', description: '|top-k ∩ exact top-k| / k, mean over held-out queries (k = workload.k)' },
  { name: 'query_mean_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'mean time of one search(query, k)' },
  { name: 'query_p95_ms', unit: 'ms', kind: 'timing', better: 'lower', description: '95th percentile time of one search(query, k)' },
  { name: 'flat_query_mean_ms', unit: 'ms', kind: 'timing', better: 'lower', description: "FlatIndex's mean search time, interleaved with this side's queries" },
  // A ratio of two timings: compared statistically and never gating (the paired query_mean_ms gates).
  { name: 'query_speedup_vs_flat', unit: 'x', kind: 'ratio', better: 'higher', compare: { method: 'statistical', gate: 'advisory' }, description: "FlatIndex's mean search time / this index's, queries interleaved in the same run" },
  { name: 'id_mismatches_vs_flat', unit: 'results', kind: 'counter', better: 'lower', description: `results (query, rank) whose id differs from FlatIndex's at the same rank, other than a tie (the two scores at that rank within ${SCORE_TOLERANCE}); a missing result counts` },
  { name: 'max_score_diff_vs_flat', unit: 'score', kind: 'ratio', better: 'lower', description: "largest |score - FlatIndex's score| for the same id, over every result both returned" },
  { name: 'build_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'adding every vector (fit excluded)' },
  { name: 'fit_ms', unit: 'ms', kind: 'timing', better: 'lower', only: 'optimized', description: "the index's fit() on the collection (PCA, and quantizer ranges when int8)" },
  { name: 'fit_rows', unit: 'rows', kind: 'counter', better: 'lower', only: 'optimized', description: 'rows the fit used (as its report says)' },
  { name: 'explained_variance', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: "share of the fit sample's variance the kept components carry" },
];

interface PreparedIndexWorkload {
  workload: IndexCompressionWorkload;
  ids: string[];
  vectors: Float32Array[];
  queries: Float32Array[];
  /** Exact cosine top-k ids per query (float64 over the original vectors). */
  exact: string[][];
  /** How these embeddings look: pairwise and neighbour similarity (README.md compares them with real ones). */
  stats: DetailTable;
  /** The mock's geometry against the real model's on a sample of the texts (workload.mockVsReal), or undefined. */
  mockVsReal?: DetailTable;
  /** The scenario's Postgres (pgvector variants and peers), opened on first use, closed by release(). */
  databases: PgDatabases;
}

interface Measured {
  label: string;
  index: VectorIndex;
  bytes: number;
  measuredHeapBytes: number;
  measuredArrayBufferBytes: number;
  /** WebAssembly memory the index holds (exact; invisible to heapUsed and arrayBuffers). */
  wasmBytes: number;
  /** Resident set growth across the build (noisy: the allocator keeps freed pages; the independent check). */
  rssBytes: number;
  buildMs: number;
  results: SearchHit[][];
  latency: Timings;
}

const INDEX_COLUMNS = [
  'index', 'components', 'precision', 'rerank', 'vectors', 'bytes_per_vector', 'index_bytes', 'measured_heap_bytes',
  'measured_array_buffer_bytes', 'wasm_memory_bytes', 'measured_rss_bytes', 'recall_at_1', 'recall_at_10', 'query_mean_ms', 'query_p95_ms', 'build_ms', 'fit_ms',
  'fit_rows', 'explained_variance',
];

const SWEEP_COLUMNS = [
  'components', 'precision', 'rerank', 'explained_variance', 'bytes_per_vector', 'index_bytes', 'reduction_vs_naive_pct',
  'reduction_vs_flat_pct', 'recall_at_1', 'recall_at_10', 'query_mean_ms',
];

/** recall@10 against bytes per vector for every PCA width and precision, with the Pareto front and the target. */
export const WIDTH_SWEEP_CHART: ChartHint = {
  type: 'front',
  id: 'pareto',
  title: 'recall@10 against bytes per vector',
  caption: 'each point a PCA width (labelled) and precision; the dashed step is the Pareto front (no point has more recall for fewer bytes)',
  x: { column: 'bytes_per_vector', title: 'bytes per vector', scale: 'log', unit: 'B' },
  y: { column: 'recall_at_10', title: 'recall@10' },
  group: { text: '{precision}[ + re-rank {rerank}]', title: 'precision' },
  label: 'components',
  name: 'PCA {components} {precision}[ + re-rank {rerank}]',
  target: 'recall_at_10',
  also: [{ table: 'pareto_peers', group: '{method}', name: '{method} {setting}' }],
};

/** The peers' own chart when no width sweep carries them (a pgvector side): recall@10 against bytes per vector. */
export const PEERS_CHART: ChartHint = {
  type: 'front',
  id: 'pareto-peers',
  title: 'recall@10 against bytes per vector',
  caption: "each point a method's setting; pgvector's bytes as Postgres reports the table with its indexes; the dashed step is the Pareto front",
  x: { column: 'bytes_per_vector', title: 'bytes per vector', scale: 'log' },
  y: { column: 'recall_at_10', title: 'recall@10' },
  group: { text: '{method}', title: 'method' },
  label: 'setting',
  target: 'recall_at_10',
};

export const indexCompressionDriver: WorkloadDriver<
  IndexCompressionWorkload,
  IndexCompressionVariant,
  PreparedIndexWorkload,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>,
  IndexFactory
> = {
  name: 'index-compression',
  workloadSchema,
  variantSchema,
  metrics,
  factory: { part: 'VectorIndex' },

  inputs: (workload, variants) => {
    const source = workload.vectors;
    if (typeof source === 'object') {
      const files: InputDeclaration[] = [{ kind: 'vectors' as const, path: source.base, field: 'workload.vectors.base', atLeast: baseRowsNeeded(workload.size, source.holdOut) }];
      if (source.queries !== undefined) {
        files.push({ kind: 'vectors', path: source.queries, field: 'workload.vectors.queries', sameWidthAs: 'workload.vectors.base', atLeast: workload.queryCount === undefined ? undefined : { count: workload.queryCount, field: 'workload.queryCount' } });
      }
      return [...files, ...postgresInputs(workload, variants)];
    }
    return [
      { kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.size!, field: 'workload.size' } },
      { kind: 'queries', path: workload.queries, field: 'workload.queries', atLeast: { count: workload.queryCount!, field: 'workload.queryCount' } },
      ...(source === SHIPPED_MODEL ? [{ kind: 'vectors' as const, path: join(SHIPPED_VECTORS_DIR, `${SHIPPED_MODEL}.f16.npy`), field: 'workload.vectors' }] : []),
      ...postgresInputs(workload, variants),
    ];
  },
  async release(prepared) {
    await prepared.databases.close();
  },
  async prepare(workload, { seed, endpoint }) {
    if (typeof workload.vectors === 'object') return prepareFromFiles(workload, workload.vectors, seed);
    const size = workload.size!;
    const queryCount = workload.queryCount!;
    const [records, queryRecords] = await Promise.all([loadDataset(workload.dataset), loadQueries(workload.queries)]);
    if (records.length < size) {
      throw new InputError({ field: 'workload.size' }, `asks for ${size} memories but ${workload.dataset} has ${records.length}`);
    }
    if (queryRecords.length < queryCount) {
      throw new InputError({ field: 'workload.queryCount' }, `asks for ${queryCount} queries but ${workload.queries} has ${queryRecords.length}`);
    }
    const collection = records.slice(0, size);
    const asked = queryRecords.slice(0, queryCount);
    let embed: (text: string) => Promise<Float32Array>;
    if (workload.vectors === SHIPPED_MODEL) {
      const shipped = await ShippedVectors.load(SHIPPED_MODEL);
      embed = async (text) => {
        const v = shipped.vectorFor(text);
        if (!v) throw new InputError({ field: 'workload.vectors' }, `the shipped ${SHIPPED_MODEL} vectors have no row for the text ${JSON.stringify(text.slice(0, 60))}: rerun scripts/embed-corpus.ts`);
        return v;
      };
    } else {
      const model = referenceOf(endpoint, 'index-compression');
      embed = (text) => referenceFloat32(model, text, workload.model, workload.dimensions);
    }
    const vectors: Float32Array[] = [];
    for (const r of collection) vectors.push(await embed(r.text));
    const ids = collection.map((r) => r.id);
    const queries: Float32Array[] = [];
    for (const q of asked) queries.push(await embed(q.text));
    // Held out: a query text that is also a stored text would be found trivially.
    const storedTexts = new Set(collection.map((r) => r.text));
    const leaked = asked.filter((q) => storedTexts.has(q.text)).length;
    if (leaked > 0) throw new InputError({ file: workload.queries }, `${leaked} queries are texts of the collection; queries must be held out`);
    const exact = exactTopK(vectors, ids, queries, workload.k);
    const mockVsReal = workload.mockVsReal ? await mockVsRealTableOf(workload.dataset, records, workload.mockVsReal) : undefined;
    return { workload, ids, vectors, queries, exact, stats: embeddingStats(vectors, ids, queries, exact, seed), mockVsReal, databases: new PgDatabases() };
  },

  async run(prepared, params, context) {
    const { workload, ids, vectors, queries, exact } = prepared;
    const entries = ids.map((id, i) => [id, vectors[i]] as const);
    const dims = vectors[0].length;

    // The side's own index, measured alone on the heap.
    let fit: { ms: number; rows: number | undefined; explainedVariance: number | undefined; iterations: number } | undefined;
    const before = await settledSample(context, 'before index');
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const factory = isFactoryVariant<IndexFactory>(params) ? params : undefined;
    const own = isFactoryVariant(params) ? undefined : params;
    const index: VectorIndex = own
      ? await createIndex(own, own.index === 'naive' ? {} : { capacity: entries.length, dimensions: dims, databases: prepared.databases })
      : await factory!.factory({ dimensions: dims, capacity: entries.length, seed: context.seed });
    // Opening is not building: for pgvector it may start the scenario's PGlite server (logged, not in build_ms).
    let buildStart = performance.now();
    if (own?.index === 'pgvector') context.log(`pgvector opened in ${(buildStart - started).toFixed(0)} ms (${prepared.databases.get(own.connectionEnv).describe}; server start and connect on first use)`);
    if (index.fit) {
      const fitStart = buildStart;
      const report = (await settle(index.fit(vectors))) as Partial<{ sampleRows: number; explainedVariance: number; iterations: number; method: string }> | undefined;
      buildStart = performance.now();
      fit = {
        ms: buildStart - fitStart,
        rows: typeof report?.sampleRows === 'number' ? report.sampleRows : undefined,
        explainedVariance: typeof report?.explainedVariance === 'number' ? report.explainedVariance : undefined,
        iterations: typeof report?.iterations === 'number' ? report.iterations : 0,
      };
      if (report?.method !== undefined && fit.explainedVariance !== undefined) {
        context.log(`fit ${report.method} on ${fit.rows} rows: ${fit.ms.toFixed(0)} ms, ${fit.iterations} iterations, explained variance ${fit.explainedVariance.toFixed(4)}`);
      }
    }
    if (index.addMany) await settle(index.addMany(entries));
    else {
      for (const [id, v] of entries) {
        const added = index.add(id, v);
        if (isPromise(added)) await added;
      }
    }
    // pgvector builds its ANN index after the bulk load: part of the build.
    if (index instanceof PgVectorIndex) await index.buildIndex();
    const buildMs = performance.now() - buildStart;
    const afterSide = await settledSample(context, 'after index');
    const rssAfterSide = process.memoryUsage().rss;

    const flatStart = performance.now();
    const flat = new FlatIndex({ initialCapacity: entries.length });
    flat.addMany(entries);
    const flatBuildMs = performance.now() - flatStart;
    const afterFlat = await settledSample(context, 'after flat index');
    const rssAfterFlat = process.memoryUsage().rss;

    const label = own ? own.index : factory!.label;
    const side: Measured = {
      label,
      index,
      bytes: await settle(index.memoryBytes()),
      measuredHeapBytes: afterSide.heapUsedBytes - before.heapUsedBytes,
      measuredArrayBufferBytes: afterSide.arrayBuffersBytes - before.arrayBuffersBytes,
      wasmBytes: wasmBytesOf(index),
      rssBytes: rssAfterSide - rssBefore,
      buildMs,
      results: [],
      latency: new Timings(),
    };
    const reference: Measured = {
      label: 'flat',
      index: flat,
      bytes: flat.memoryBytes(),
      measuredHeapBytes: afterFlat.heapUsedBytes - afterSide.heapUsedBytes,
      measuredArrayBufferBytes: afterFlat.arrayBuffersBytes - afterSide.arrayBuffersBytes,
      wasmBytes: flat.wasmMemoryBytes(),
      rssBytes: rssAfterFlat - rssAfterSide,
      buildMs: flatBuildMs,
      results: [],
      latency: new Timings(),
    };
    context.log(`${queries.length} queries on ${label} and flat, interleaved`);
    for (let i = 0; i < queries.length; i++) {
      const order = i % 2 === 0 ? [side, reference] : [reference, side];
      for (const m of order) {
        const t = performance.now();
        let hits = m.index.search(queries[i], workload.k);
        // A promise (an out-of-process index) is awaited inside the timed span; a plain answer costs no tick.
        if (isPromise(hits)) hits = await hits;
        m.latency.record(performance.now() - t);
        m.results.push(hits);
      }
    }

    const summary = (m: Measured) => {
      const [p95] = m.latency.percentiles([0.95]);
      return {
        recall1: recallAtK(m.results, exact, 1),
        recallK: recallAtK(m.results, exact, workload.k),
        meanMs: m.latency.mean(),
        p95Ms: p95,
      };
    };
    const s = summary(side);
    const f = summary(reference);
    const n = vectors.length;
    const result: MetricValues = {
      index_bytes: side.bytes,
      bytes_per_vector: side.bytes / n,
      reduction_vs_flat_pct: ((reference.bytes - side.bytes) / reference.bytes) * 100,
      flat_index_bytes: reference.bytes,
      measured_bytes: retainedBytes(afterSide) - retainedBytes(before) + side.wasmBytes,
      recall_at_1: s.recall1,
      recall_at_10: s.recallK,
      query_mean_ms: s.meanMs,
      query_p95_ms: s.p95Ms,
      flat_query_mean_ms: f.meanMs,
      query_speedup_vs_flat: f.meanMs / s.meanMs,
      ...agreementWithFlat(side.results, reference.results),
      build_ms: buildMs,
    };
    if (fit) {
      result.fit_ms = fit.ms;
      if (fit.rows !== undefined) result.fit_rows = fit.rows;
      if (fit.explainedVariance !== undefined) result.explained_variance = fit.explainedVariance;
    }

    const row = (m: Measured, sum: ReturnType<typeof summary>) => {
      const c = m.index instanceof CompressedIndex ? m.index.options : undefined;
      return [
        m.label,
        c ? c.components : dims,
        c ? c.precision : precisionOf(m.index),
        c?.rerank ? `${c.rerank.precision} x${c.rerank.oversample}` : 'none',
        n,
        m.bytes / n,
        m.bytes,
        m.measuredHeapBytes,
        m.measuredArrayBufferBytes,
        m.wasmBytes,
        m.rssBytes,
        sum.recall1,
        sum.recallK,
        sum.meanMs,
        sum.p95Ms,
        m.buildMs,
        m === side && fit ? fit.ms : null,
        m === side && fit ? (fit.rows ?? null) : null,
        m === side && fit ? (fit.explainedVariance ?? null) : null,
      ];
    };
    const details: DetailTable[] = [{ name: 'indexes', columns: INDEX_COLUMNS, rows: [row(side, s), row(reference, f)] }];
    if (prepared.mockVsReal && context.side === 'optimized' && context.repetition === 0) details.push(prepared.mockVsReal);

    // Release both indexes before the sweep builds its own.
    side.results.length = 0;
    reference.results.length = 0;
    if (factory || own?.index === 'pgvector') {
      const table = partStatsTable(index.stats?.());
      if (table) details.push(table);
      if (index instanceof PgVectorIndex) await index.drop();
      await index.close?.();
      if (own?.index === 'pgvector' && context.repetition === 0 && workload.peerMethods.length > 0) {
        const peers = await measurePeers({ ids, vectors, queries, exact, k: workload.k, methods: workload.peerMethods, databases: prepared.databases, log: (m) => context.log(m) });
        details.push({ ...peers, chart: PEERS_CHART });
      }
    } else if (own?.index === 'compressed' && context.repetition === 0) {
      details.push(prepared.stats);
      if (workload.sweepWidths.length > 0) details.push(sweep(prepared, own, context, reference.bytes));
      if (workload.peerMethods.length > 0) {
        const { ids, vectors, queries, exact } = prepared;
        details.push(await measurePeers({ ids, vectors, queries, exact, k: workload.k, methods: workload.peerMethods, databases: prepared.databases, log: (m) => context.log(m) }));
      }
    }
    return { metrics: result, details };
  },
};


/** The mock-vs-real tables computed in this process, by dataset and sample (the table is a pure function of them). */
const mockVsRealTables = new Map<string, Promise<DetailTable>>();

function mockVsRealTableOf(dataset: string, records: readonly { text: string }[], options: NonNullable<IndexCompressionWorkload['mockVsReal']>): Promise<DetailTable> {
  const key = JSON.stringify([dataset, options]);
  let table = mockVsRealTables.get(key);
  if (!table) {
    const { texts, neighbourQueries, seed } = options;
    const sample = takeSample([...new Set(records.map((r) => r.text))], texts, seed);
    table = mockVsRealOnTexts(sample, {
      seed,
      pcaSampleRows: sample.length,
      neighbourQueries,
      field: 'workload.mockVsReal',
    });
    table.catch(() => mockVsRealTables.delete(key));
    mockVsRealTables.set(key, table);
  }
  return table;
}

/**
 * Agreement with FlatIndex query by query: a result whose id differs from FlatIndex's at the same rank counts
 * unless it is a tie (FlatIndex's score at that rank and the other's within SCORE_TOLERANCE); and the largest
 * score difference for an id both returned.
 */
function agreementWithFlat(results: readonly SearchHit[][], flat: readonly SearchHit[][]): { id_mismatches_vs_flat: number; max_score_diff_vs_flat: number } {
  let mismatches = 0;
  let maxDiff = 0;
  for (let q = 0; q < flat.length; q++) {
    const mine = results[q] ?? [];
    const theirs = flat[q];
    const theirScore = new Map(theirs.map((h) => [h.id, h.score]));
    for (let r = 0; r < theirs.length; r++) {
      const hit = mine[r];
      if (!hit) {
        mismatches++;
        continue;
      }
      if (hit.id !== theirs[r].id && Math.abs(hit.score - theirs[r].score) > SCORE_TOLERANCE) mismatches++;
      const same = theirScore.get(hit.id);
      if (same !== undefined) maxDiff = Math.max(maxDiff, Math.abs(hit.score - same));
    }
  }
  return { id_mismatches_vs_flat: mismatches, max_score_diff_vs_flat: maxDiff };
}

/** A pre-run check for every user Postgres the variants or pgvector peers name by connectionEnv. */
function postgresInputs(workload: IndexCompressionWorkload, variants?: { baseline: unknown; optimized: unknown }): InputDeclaration[] {
  const out: InputDeclaration[] = [];
  for (const side of ['baseline', 'optimized'] as const) {
    const params = variants?.[side] as { index?: string; connectionEnv?: string } | undefined;
    if (params?.index === 'pgvector' && params.connectionEnv) out.push({ kind: 'postgres', connectionEnv: params.connectionEnv, field: `${side}.params.connectionEnv` });
  }
  workload.peerMethods.forEach((m, i) => {
    if (m.method === 'pgvector' && m.connectionEnv) out.push({ kind: 'postgres', connectionEnv: m.connectionEnv, field: `workload.peerMethods[${i}].connectionEnv` });
  });
  return out;
}


/**
 * A collection from the user's vector files: base rows (the first `size`, default all), queries from their file or
 * held out of the base by the scenario's seed, capped at `queryCount` (default FILE_QUERY_CAP). Ids are `row-<n>`
 * (the row in the base file as read, after any hold-out).
 */
async function prepareFromFiles(
  workload: IndexCompressionWorkload,
  source: Exclude<IndexCompressionWorkload['vectors'], string | undefined>,
  seed: number,
): Promise<PreparedIndexWorkload> {
  const sets = await loadVectorSets(
    source.queries !== undefined
      ? { base: source.base, queries: source.queries, format: source.format }
      : { base: source.base, holdOut: { count: source.holdOut!, seed }, format: source.format },
  );
  const size = workload.size ?? sets.base.rows;
  if (sets.base.rows < size) throw new InputError({ field: 'workload.size' }, `asks for ${size} vectors but ${source.base} has ${sets.base.rows}${source.holdOut ? ` after holding out ${source.holdOut}` : ''}`);
  const queryCount = workload.queryCount ?? Math.min(sets.queries.rows, FILE_QUERY_CAP);
  if (sets.queries.rows < queryCount) throw new InputError({ field: 'workload.queryCount' }, `asks for ${queryCount} queries but ${source.queries ?? source.base} gives ${sets.queries.rows}`);
  const rowsOf = (m: VectorMatrix, count: number) => Array.from({ length: count }, (_, i) => m.data.slice(i * m.dim, (i + 1) * m.dim));
  const vectors = rowsOf(sets.base, size);
  const queries = rowsOf(sets.queries, queryCount);
  const ids = vectors.map((_, i) => `row-${i}`);
  const exact = exactTopK(vectors, ids, queries, workload.k);
  return { workload, ids, vectors, queries, exact, stats: embeddingStats(vectors, ids, queries, exact, seed), databases: new PgDatabases() };
}

function wasmBytesOf(index: VectorIndex): number {
  return index instanceof FlatIndex || index instanceof CompressedIndex || index instanceof ScalarQuantizedIndex ? index.wasmMemoryBytes() : 0;
}

function compressedOptions(params: Extract<IndexCompressionVariant, { index: 'compressed' }>, capacity: number): CompressedIndexOptions {
  return { ...compressedIndexOptions(params), initialCapacity: capacity };
}

/** How an index stores its vectors, for the indexes table; null for a user's index (unknown). */
function precisionOf(index: VectorIndex): string | null {
  if (index instanceof NaiveIndex) return 'float64';
  if (index instanceof ScalarQuantizedIndex) return 'int8';
  if (index instanceof FlatIndex) return 'float32';
  return null;
}

/** Recall against memory across PCA widths: one fit at the widest width, narrower models by truncation. */
function sweep(
  prepared: PreparedIndexWorkload,
  params: Extract<IndexCompressionVariant, { index: 'compressed' }>,
  context: RunContext,
  flatBytes: number,
): DetailTable {
  const { workload, ids, vectors, queries, exact } = prepared;
  const dims = vectors[0].length;
  const widths = [...new Set(workload.sweepWidths.filter((w) => w <= dims))].sort((a, b) => a - b);
  const widest = widths[widths.length - 1];
  const sampleRows = Math.min(vectors.length, params.fitSampleSize);
  const sample = new Float64Array(sampleRows * dims);
  for (let r = 0; r < sampleRows; r++) {
    const v = vectors[Math.floor((r * vectors.length) / sampleRows)];
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += v[j] * v[j];
    const inverse = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    for (let j = 0; j < dims; j++) sample[r * dims + j] = v[j] * inverse;
  }
  const started = performance.now();
  const model: PcaModel = fitPca(sample, dims, sampleRows, { components: Math.min(widest, sampleRows - 1), method: params.fitMethod }).model;
  context.log(`sweep: fitted ${model.components} components on ${sampleRows} rows in ${(performance.now() - started).toFixed(0)} ms`);
  const naiveBytes = vectors.length * dims * 8;
  const entries = ids.map((id, i) => [id, vectors[i]] as const);
  const rows: DetailTable['rows'] = [];
  // One row of the curve: what the point is (components, precision, rerank, explained variance), then its bytes,
  // recall and mean query time over the held-out queries.
  const sweepPoint = (index: CompressedIndex | ScalarQuantizedIndex, point: [number, string, string, number | null]): DetailTable['rows'][number] => {
    const latency = new Timings();
    const results = queries.map((q) => {
      const t = performance.now();
      const hits = index.search(q, workload.k);
      latency.record(performance.now() - t);
      return hits;
    });
    const bytes = index.memoryBytes();
    return [
      ...point,
      bytes / vectors.length,
      bytes,
      ((naiveBytes - bytes) / naiveBytes) * 100,
      ((flatBytes - bytes) / flatBytes) * 100,
      recallAtK(results, exact, 1),
      recallAtK(results, exact, workload.k),
      latency.mean(),
    ];
  };
  for (const width of widths.filter((w) => w <= model.components)) {
    for (const variant of workload.sweepVariants) {
      const index = new CompressedIndex({ ...compressedOptions(params, entries.length), components: width, ...variant });
      const report = index.fit(vectors, { model });
      index.addMany(entries);
      const rerank = variant.rerank ? `${variant.rerank.precision} x${variant.rerank.oversample}` : 'none';
      rows.push(sweepPoint(index, [width, variant.precision, rerank, report.explainedVariance]));
      context.log(`sweep: width ${width} ${variant.precision}${variant.rerank ? ' + re-rank' : ''}: recall@${workload.k} ${rows[rows.length - 1][9]}`);
    }
  }
  // The point without PCA: every dimension quantized to int8 (ScalarQuantizedIndex), the plain baseline PCA has to
  // beat on this curve. Its precision reads 'int8 (no PCA)' so the chart shows it apart.
  const sq8 = new ScalarQuantizedIndex({ initialCapacity: entries.length, fitSampleSize: params.fitSampleSize });
  sq8.fit(vectors);
  sq8.addMany(entries);
  rows.push(sweepPoint(sq8, [dims, 'int8 (no PCA)', 'none', null])); // nothing projected: no variance measured
  context.log(`sweep: int8 scalar quantization without PCA: recall@${workload.k} ${rows[rows.length - 1][9]}`);
  return { name: 'width_sweep', columns: SWEEP_COLUMNS, rows, chart: WIDTH_SWEEP_CHART };
}

/**
 * The similarity structure of the collection: cosine of random pairs of stored vectors (how alike unrelated texts
 * look: the anisotropy), the norm of the mean vector (for unit vectors, mean pairwise cosine ≈ |mean|²), and each
 * query's cosine with its exact nearest and k-th nearest neighbour.
 */
function embeddingStats(vectors: Float32Array[], ids: string[], queries: Float32Array[], exact: string[][], seed: number): DetailTable {
  const rng = createRng(seed).fork('embedding-stats');
  const cos = referenceCosine;
  const pairs: number[] = [];
  for (let p = 0; p < 5000; p++) {
    const a = rng.int(0, vectors.length - 1);
    let b = rng.int(0, vectors.length - 2);
    if (b >= a) b++;
    pairs.push(cos(vectors[a], vectors[b]));
  }
  const dims = vectors[0].length;
  const mean = new Float64Array(dims);
  for (const v of vectors) {
    const n = Math.hypot(...v);
    for (let j = 0; j < dims; j++) mean[j] += v[j] / n / vectors.length;
  }
  const rowOf = new Map(ids.map((id, i) => [id, i]));
  const top1 = queries.map((q, i) => cos(q, vectors[rowOf.get(exact[i][0])!]));
  const topK = queries.map((q, i) => cos(q, vectors[rowOf.get(exact[i][exact[i].length - 1])!]));
  const k = exact[0]?.length ?? 0;
  const ps = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
  const rows: DetailTable['rows'] = [
    ['pairwise_cosine_mean', pairs.reduce((s, x) => s + x, 0) / pairs.length],
    ...percentiles(pairs, ps).map((v, i) => [`pairwise_cosine_p${ps[i] * 100}`, v] as [string, number]),
    ['mean_vector_norm', Math.hypot(...mean)],
    ['query_top1_cosine_p50', percentiles(top1, [0.5])[0]],
    ['query_top1_cosine_p5', percentiles(top1, [0.05])[0]],
    ['query_top1_cosine_p95', percentiles(top1, [0.95])[0]],
    [`query_top${k}_cosine_p50`, percentiles(topK, [0.5])[0]],
  ];
  return { name: 'embedding_stats', columns: ['statistic', 'value'], rows };
}

/**
 * A heap sample after forced GC that has settled: V8 frees the backing stores of dead ArrayBuffers on a background
 * thread after the GC that found them dead, so `arrayBuffers` read right after a GC can still count the previous
 * run's vectors. Sample, yield to the event loop for a moment, then sample again and keep the second.
 */
async function settledSample(context: RunContext, label: string): Promise<MemorySample> {
  context.memory.sample(`${label} (settling)`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return context.memory.sample(label);
}

/** Per-query durations in ms: their mean and percentiles. */
class Timings {
  private readonly durations: number[] = [];
  record(ms: number): void {
    this.durations.push(ms);
  }
  mean(): number {
    return this.durations.reduce((s, d) => s + d, 0) / Math.max(1, this.durations.length);
  }
  percentiles(ps: readonly number[]): number[] {
    return percentiles(this.durations, ps);
  }
}

/** The base file's rows a workload needs: `size` plus the held-out rows, or with no size, at least one row beyond them. */
function baseRowsNeeded(size: number | undefined, holdOut: number | undefined): Exclude<InputDeclaration, { kind: 'postgres' }>['atLeast'] {
  if (size !== undefined) return { count: size + (holdOut ?? 0), field: 'workload.size', ...(holdOut ? { why: `size + holdOut ${holdOut}` } : {}) };
  if (holdOut !== undefined) return { count: holdOut + 1, field: 'workload.vectors.holdOut', why: 'holdOut + 1: the held-out rows are queries, at least one row must stay to index' };
  return undefined;
}
