import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { loadDataset, loadQueries, shippedDataPath } from '../datasets/index.ts';
import { takeSample } from '../datasets/load.ts';
import { loadVectorSets, type VectorMatrix } from '../datasets/vector-files.ts';
import { ShippedVectors, SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import { mockVsRealOnTexts } from '../analysis/mock-vs-real.ts';
import { embeddingStats } from '../analysis/embedding-stats.ts';
import { retainedBytes } from '../measure/memory-probe.ts';
import { loadIndex, mean } from '../measure/index-runs.ts';
import { percentiles } from '../measure/latency.ts';
import { partStatsTable } from '../measure/part-stats.ts';
import { referenceFloat32, referenceOf } from '../measure/reference-vectors.ts';
import { measurePeers, peerMethodSchema } from './index-pareto.ts';
import type { ChartHint, DetailTable, InputDeclaration, MemorySample, MetricSpec, MetricValues, RunContext, WorkloadDriver } from '../harness/types.ts';
import type { SearchHit, VectorIndex } from '../memory/types.ts';
import { isFactoryVariant } from '../harness/factory-variant.ts';
import { buildUserPart } from '../harness/user-part.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';
import { createIndex, StoreConnections, indexParamsSchema, postgresVariablesOf, type IndexParams } from '../parts/registry.ts';
import { precisionSchema, rerankSchema } from '../parts/vector-index/params.ts';
import { exactTopK, recallAtK } from '../parts/vector-index/recall.ts';
import { pcaWidthSweep, WIDTH_SWEEP_COLUMNS } from '../parts/vector-index/width-sweep.ts';

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
      /**
       * Rows of `base` held out as queries, when there is no query file: a row count (drawn by the scenario's seed),
       * or `{ count, seed }` as loadVectorSets takes it (its own seed, so the split stays when `--seed` changes).
       */
      holdOut: z.union([z.number().int().min(1), z.object({ count: z.number().int().min(1), seed: z.number().int().optional() }).strict()]).optional(),
      format: z.enum(['npy', 'fvecs', 'raw-f32', 'jsonl']).optional(),
    })
    .strict()
    .refine((v) => (v.queries === undefined) !== (v.holdOut === undefined), 'give exactly one of queries (a file) or holdOut (a row count, or { count, seed })')
    // One shape for the driver: holdOut a count, and the split's own seed when the scenario gave one.
    .transform(({ holdOut, ...rest }) => ({
      ...rest,
      ...(holdOut === undefined ? {} : typeof holdOut === 'number' ? { holdOut } : { holdOut: holdOut.count, ...(holdOut.seed === undefined ? {} : { holdOutSeed: holdOut.seed }) }),
    })),
]);

const workloadSchema = z
  .object({
    /** Where the vectors come from (see vectorSourceSchema); default the endpoint's reference vectors of the texts. */
    vectors: vectorSourceSchema.optional(),
    /** Memories JSONL; the first `size` records are the collection. */
    dataset: z.string().default(shippedDataPath('memories.jsonl')),
    /** Held-out queries JSONL; the first `queryCount` records are asked. */
    queries: z.string().default(shippedDataPath('queries.jsonl')),
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
      .array(z.object({ precision: precisionSchema.default('float32'), rerank: rerankSchema.default(false) }).strict())
      .default([{ precision: 'float32', rerank: false }]),
    /** Peer methods (binary, matryoshka, usearch, pgvector) measured beside the sweep on the same vectors (index-pareto.ts); none by default. */
    peerMethods: z.array(peerMethodSchema).default([]),
    /**
     * The mock against reality: the detail table 'mock-vs-real' (src/analysis/mock-vs-real.ts), the mock's
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
  /** The variant's own `params` (a sweep point's value in place of the swept one); {} when it gives none. */
  params: Readonly<Record<string, unknown>>;
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
  stores: StoreConnections;
}

interface Measured {
  label: string;
  index: VectorIndex;
  bytes: number;
  measuredHeapBytes: number;
  measuredArrayBufferBytes: number;
  /** Memory the index holds outside the JS heap (its externalBytes(): WebAssembly, native; exact). */
  wasmBytes: number;
  /** Resident set growth across the build (noisy: the allocator keeps freed pages; the independent check). */
  rssBytes: number;
  buildMs: number;
  results: SearchHit[][];
  durations: number[];
}

const INDEX_COLUMNS = [
  'index', 'components', 'precision', 'rerank', 'vectors', 'bytes_per_vector', 'index_bytes', 'measured_heap_bytes',
  'measured_array_buffer_bytes', 'wasm_memory_bytes', 'measured_rss_bytes', 'recall_at_1', 'recall_at_10', 'query_mean_ms', 'query_p95_ms', 'build_ms', 'fit_ms',
  'fit_rows', 'explained_variance',
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
  variantsChart: {
    title: 'recall@10 against bytes per vector, per variant',
    x: { column: 'bytes_per_vector', title: 'bytes per vector', scale: 'auto', unit: 'B' },
    y: { column: 'recall_at_10', title: 'recall@10' },
    target: 'recall_at_10',
  },

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
    await prepared.stores.close();
  },
  async prepare(workload, { seed, endpoint, postgres }) {
    if (typeof workload.vectors === 'object') return prepareFromFiles(workload, workload.vectors, seed, new StoreConnections(postgres));
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
    return { workload, ids, vectors, queries, exact, stats: embeddingStats(vectors, ids, queries, exact, seed), mockVsReal, stores: new StoreConnections(postgres) };
  },

  async run(prepared, params, context) {
    const { workload, ids, vectors, queries, exact } = prepared;
    const entries = ids.map((id, i) => [id, vectors[i]] as const);
    const dims = vectors[0].length;

    // The side's own index, measured alone on the heap.
    const before = await settledSample(context, 'before index');
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const factory = isFactoryVariant<IndexFactory>(params) ? params : undefined;
    const own = isFactoryVariant(params) ? undefined : params;
    const index: VectorIndex = own
      ? await createIndex(own, { capacity: entries.length, dimensions: dims, stores: prepared.stores })
      : await buildUserPart(factory!, 'VectorIndex', { dimensions: dims, capacity: entries.length, seed: context.seed });
    // Opening is not building: an out-of-process store may start its server here (logged, not in build_ms).
    const openMs = performance.now() - started;
    const where = own ? await prepared.stores.describe(own) : undefined;
    if (where || openMs > 100) context.log(`${own?.index ?? factory!.label} opened in ${openMs.toFixed(0)} ms${where ? ` (${where}; server start and connect on first use)` : ''}`);
    const load = await loadIndex(index, entries, vectors);
    // An index with fit() was fitted (its report may be empty: a user's fit need not return one).
    const fit = index.fit ? (load.fit ?? {}) : undefined;
    if (fit?.method !== undefined && fit.explainedVariance !== undefined) {
      context.log(`fit ${fit.method} on ${fit.sampleRows} rows: ${load.fitMs.toFixed(0)} ms, ${fit.iterations ?? 0} iterations, explained variance ${fit.explainedVariance.toFixed(4)}`);
    }
    const afterSide = await settledSample(context, 'after index');
    const rssAfterSide = process.memoryUsage().rss;

    const flatStart = performance.now();
    const flat = await createIndex({ index: 'flat' }, { capacity: entries.length });
    await settle(flat.addMany!(entries));
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
      wasmBytes: await settle(index.externalBytes?.() ?? 0),
      rssBytes: rssAfterSide - rssBefore,
      buildMs: load.buildMs,
      results: [],
      durations: [],
    };
    const reference: Measured = {
      label: 'flat',
      index: flat,
      bytes: await settle(flat.memoryBytes()),
      measuredHeapBytes: afterFlat.heapUsedBytes - afterSide.heapUsedBytes,
      measuredArrayBufferBytes: afterFlat.arrayBuffersBytes - afterSide.arrayBuffersBytes,
      wasmBytes: await settle(flat.externalBytes?.() ?? 0),
      rssBytes: rssAfterFlat - rssAfterSide,
      buildMs: flatBuildMs,
      results: [],
      durations: [],
    };
    context.log(`${queries.length} queries on ${label} and flat, interleaved`);
    for (let i = 0; i < queries.length; i++) {
      const order = i % 2 === 0 ? [side, reference] : [reference, side];
      for (const m of order) {
        const t = performance.now();
        let hits = m.index.search(queries[i], workload.k);
        // A promise (an out-of-process index) is awaited inside the timed span; a plain answer costs no tick.
        if (isPromise(hits)) hits = await hits;
        m.durations.push(performance.now() - t);
        m.results.push(hits);
      }
    }

    const summary = (m: Measured) => ({
      recall1: recallAtK(m.results, exact, 1),
      recallK: recallAtK(m.results, exact, workload.k),
      meanMs: mean(m.durations),
      p95Ms: percentiles(m.durations, [0.95])[0],
    });
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
      build_ms: side.buildMs,
    };
    if (fit) {
      result.fit_ms = load.fitMs;
      if (fit.sampleRows !== undefined) result.fit_rows = fit.sampleRows;
      if (fit.explainedVariance !== undefined) result.explained_variance = fit.explainedVariance;
    }

    const row = (m: Measured, sum: ReturnType<typeof summary>) => {
      const settings = m.index.describe?.().settings ?? {};
      return [
        m.label,
        settings.components ?? dims,
        settings.precision ?? null,
        settings.rerank ?? 'none',
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
        m === side && fit ? load.fitMs : null,
        m === side && fit ? (fit.sampleRows ?? null) : null,
        m === side && fit ? (fit.explainedVariance ?? null) : null,
      ];
    };
    const details: DetailTable[] = [{ name: 'indexes', columns: INDEX_COLUMNS, rows: [row(side, s), row(reference, f)] }];
    const firstOptimized = context.side === 'optimized' && context.repetition === 0;
    if (prepared.mockVsReal && firstOptimized) details.push(prepared.mockVsReal);
    const partStats = partStatsTable(index.stats?.());
    if (partStats) details.push(partStats);

    // Release both indexes (and what a store keeps elsewhere) before the sweep and the peers build their own.
    side.results.length = 0;
    reference.results.length = 0;
    await settle(index.close?.({ drop: true }));
    await settle(flat.close?.());
    if (firstOptimized) {
      details.push(prepared.stats);
      // The PCA width sweep belongs to a compressed side (it varies its width); the peers are charted on it.
      const widthSweep = own?.index === 'compressed' && workload.sweepWidths.length > 0;
      if (widthSweep) {
        const rows = pcaWidthSweep({
          ids, vectors, queries, exact, k: workload.k, params: own, widths: workload.sweepWidths, variants: workload.sweepVariants, flatBytes: reference.bytes, log: (m) => context.log(m),
        });
        details.push({ name: 'width_sweep', columns: WIDTH_SWEEP_COLUMNS, rows, chart: WIDTH_SWEEP_CHART });
      }
      if (workload.peerMethods.length > 0) {
        const peers = await measurePeers({ ids, vectors, queries, exact, k: workload.k, methods: workload.peerMethods, stores: prepared.stores, log: (m) => context.log(m) });
        details.push(widthSweep ? peers : { ...peers, chart: PEERS_CHART });
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
    const params = variants?.[side];
    if (params && !isFactoryVariant(params)) {
      for (const connectionEnv of postgresVariablesOf(params as IndexParams)) out.push({ kind: 'postgres', connectionEnv, field: `${side}.params.connectionEnv` });
    }
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
  stores: StoreConnections,
): Promise<PreparedIndexWorkload> {
  const sets = await loadVectorSets(
    source.queries !== undefined
      ? { base: source.base, queries: source.queries, format: source.format }
      : { base: source.base, holdOut: { count: source.holdOut!, seed: source.holdOutSeed ?? seed }, format: source.format },
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
  return { workload, ids, vectors, queries, exact, stats: embeddingStats(vectors, ids, queries, exact, seed), stores };
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
/** The base file's rows a workload needs: `size` plus the held-out rows, or with no size, at least one row beyond them. */
function baseRowsNeeded(size: number | undefined, holdOut: number | undefined): Exclude<InputDeclaration, { kind: 'postgres' }>['atLeast'] {
  if (size !== undefined) return { count: size + (holdOut ?? 0), field: 'workload.size', ...(holdOut ? { why: `size + holdOut ${holdOut}` } : {}) };
  if (holdOut !== undefined) return { count: holdOut + 1, field: 'workload.vectors.holdOut', why: 'holdOut + 1: the held-out rows are queries, at least one row must stay to index' };
  return undefined;
}
