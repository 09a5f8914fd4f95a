/**
 * The filtered-search workload (issue 14 item 3): agent memory searched per user. A collection of memories is split
 * among many small namespaces (each memory given to a user drawn from the scenario's seed, so a few hundred users
 * hold tens of memories each), each memory also carries `kind: 'fact' | 'chat'` (drawn the same way), and every
 * held-out query is asked within one user's namespace (a share of them also within `kind: 'fact'`). Recall@k is
 * measured against the exact filtered answer: exact cosine over that user's matching memories (reference.mjs),
 * ties by id.
 *
 * The two sides are MemorySystem over a FlatIndex: the baseline with the index's filtering hidden, so MemorySystem
 * over-fetches and discards (what every search did before contract C5), the optimized side with the filter passed
 * to the index (native: only the namespace's rows are scanned). Both report MemorySystem's own counters (index
 * calls and discarded hits per query).
 *
 * On the optimized side's first repetition, every index of `workload.indexes` (naive, flat, sq8, PCA, binary,
 * usearch, pgvector) is filled with the same memories and their attributes and asked the same filtered queries
 * directly (index.search(vector, k, filter)): one row each in the detail table `indexes_filtered`, with recall@k
 * within the filter and search latency. pgvector runs in the scenario's PGlite server over the wire (one
 * connection), as index-pgvector does.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { loadDataset, loadQueries } from '../datasets/index.ts';
import { ShippedVectors, SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import { percentiles } from '../harness/statistics.ts';
import type { DetailTable, InputDeclaration, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import { compareHits, cosine } from '../memory/reference.mjs';
import type { Embedder, EmbedderStats, EntryAttributes, SearchFilter, SearchHit, VectorIndex } from '../memory/types.ts';
import { BinaryIndex } from '../parts/vector-index/binary-index.ts';
import { createIndex, indexParamsSchema } from '../parts/vector-index/create.ts';
import { FlatIndex } from '../parts/vector-index/flat-index.ts';
import { NaiveIndex } from '../parts/vector-index/naive-index.ts';
import { recallAtK } from '../parts/vector-index/recall.ts';
import { USEARCH_QUANTIZATIONS, UsearchIndex, type UsearchQuantization } from '../parts/vector-index/usearch-index.ts';
import { PgDatabases } from '../parts/vector-store/database.ts';
import { PgVectorIndex } from '../parts/vector-store/pgvector-index.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';
import { createRng } from '../util/rng.ts';
import { referenceFloat32, referenceOf } from './reference.ts';

const SHIPPED_MODEL = 'use-lite';

/** One index of the table: createIndex's params, or memopt's BinaryIndex, or usearch's HNSW (graph per namespace). */
export const filteredIndexSchema = z.union([
  indexParamsSchema,
  z
    .object({
      index: z.literal('binary'),
      oversample: z.number().int().min(1).default(4),
      rescore: z.enum(['int8', 'float32']).default('int8'),
    })
    .strict(),
  z
    .object({
      index: z.literal('usearch'),
      quantization: z.enum(USEARCH_QUANTIZATIONS as [UsearchQuantization, ...UsearchQuantization[]]).default('f32'),
      expansionSearch: z.number().int().min(1).default(64),
      connectivity: z.number().int().min(2).default(16),
    })
    .strict(),
]);
export type FilteredIndexParams = z.output<typeof filteredIndexSchema>;

const workloadSchema = z
  .object({
    /** 'use-lite': the shipped real vectors (datasets/vectors/) of the texts; absent: the endpoint's reference vectors (the mock's). */
    vectors: z.literal(SHIPPED_MODEL).optional(),
    dataset: z.string().default('datasets/memories.jsonl'),
    queries: z.string().default('datasets/queries.jsonl'),
    /** Memories stored (the first `size` of the dataset). */
    size: z.number().int().min(2),
    /** Held-out queries asked, each within one user's namespace. */
    queryCount: z.number().int().min(1),
    /** Namespaces the memories are spread over (each memory's user drawn uniformly from the seed). */
    users: z.number().int().min(1),
    /** Share of queries that also filter on metadata (`kind: 'fact'`, half the memories). Default 0.25. */
    metadataShare: z.number().min(0).max(1).default(0.25),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().min(1).optional(),
    /** Results per query. */
    k: z.number().int().min(1).default(10),
    /** Indexes measured in the table `indexes_filtered` (optimized side, first repetition); empty: none. */
    indexes: z.array(filteredIndexSchema).default([]),
  })
  .strict();

const variantSchema = z
  .object({
    /** 'native': the filter goes to the index; 'over-fetch': the index's filtering is hidden, MemorySystem over-fetches and discards. */
    filtering: z.enum(['native', 'over-fetch']),
    index: z.enum(['naive', 'flat']).default('flat'),
  })
  .strict();

export type FilteredSearchWorkload = z.output<typeof workloadSchema>;
export type FilteredSearchVariant = z.output<typeof variantSchema>;

const metrics: MetricSpec[] = [
  { name: 'recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', description: "|top-k ∩ exact filtered top-k| / min(k, matching memories), mean over queries, each within one user's namespace (k = workload.k)" },
  { name: 'query_mean_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'mean time of one MemorySystem.searchByVector within a namespace (no embedding)' },
  { name: 'query_p50_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'median of the same (the mean carries the odd GC pause)' },
  { name: 'query_p95_ms', unit: 'ms', kind: 'timing', better: 'lower', description: '95th percentile of the same' },
  { name: 'index_calls_per_query', unit: 'calls', kind: 'counter', better: 'lower', description: "index.search calls per filtered search (MemorySystem's counters: 1 when the index filters, more when it over-fetches with growing k)" },
  { name: 'discarded_hits_per_query', unit: 'hits', kind: 'counter', better: 'lower', description: 'hits the index returned that MemorySystem discarded (outside the filter), per query' },
  { name: 'mean_namespace_size', unit: 'memories', kind: 'counter', better: 'lower', description: 'memories per user namespace, mean over the queries asked (the rows a native search scores)' },
  { name: 'exact_indexes_min_recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: 'lowest recall@k within the filter among the exact indexes of the table (naive, flat, pgvector exact vector)' },
  { name: 'indexes_measured', unit: 'indexes', kind: 'counter', better: 'higher', only: 'optimized', description: 'rows of the indexes_filtered table' },
];

interface Query {
  vector: Float32Array;
  filter: SearchFilter;
  /** Exact filtered top-k ids. */
  exact: string[];
}

interface PreparedFilteredSearch {
  workload: FilteredSearchWorkload;
  ids: string[];
  texts: string[];
  vectors: Float32Array[];
  attributes: EntryAttributes[];
  queries: Query[];
  meanNamespaceSize: number;
  databases: PgDatabases;
}

const TABLE_COLUMNS = ['index', 'setting', 'filtering', 'exact', 'recall_at_10', 'query_mean_ms', 'query_p50_ms', 'query_p95_ms', 'build_ms', 'index_bytes', 'bytes_source'];

export const filteredSearchDriver: WorkloadDriver<
  FilteredSearchWorkload,
  FilteredSearchVariant,
  PreparedFilteredSearch,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>
> = {
  name: 'filtered-search',
  workloadSchema,
  variantSchema,
  metrics,

  inputs: (workload) => {
    const out: InputDeclaration[] = [
      { kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.size, field: 'workload.size' } },
      { kind: 'queries', path: workload.queries, field: 'workload.queries', atLeast: { count: workload.queryCount, field: 'workload.queryCount' } },
    ];
    if (workload.vectors === SHIPPED_MODEL) out.push({ kind: 'vectors', path: join(SHIPPED_VECTORS_DIR, `${SHIPPED_MODEL}.f16.npy`), field: 'workload.vectors' });
    workload.indexes.forEach((p, i) => {
      if (p.index === 'pgvector' && p.connectionEnv) out.push({ kind: 'postgres', connectionEnv: p.connectionEnv, field: `workload.indexes[${i}].connectionEnv` });
    });
    return out;
  },

  async release(prepared) {
    await prepared.databases.close();
  },

  async prepare(workload, { seed, endpoint }) {
    const [records, queryRecords] = await Promise.all([loadDataset(workload.dataset), loadQueries(workload.queries)]);
    if (records.length < workload.size) throw new InputError({ field: 'workload.size' }, `asks for ${workload.size} memories but ${workload.dataset} has ${records.length}`);
    if (queryRecords.length < workload.queryCount) {
      throw new InputError({ field: 'workload.queryCount' }, `asks for ${workload.queryCount} queries but ${workload.queries} has ${queryRecords.length}`);
    }
    const collection = records.slice(0, workload.size);
    const asked = queryRecords.slice(0, workload.queryCount);
    const storedTexts = new Set(collection.map((r) => r.text));
    const leaked = asked.filter((q) => storedTexts.has(q.text)).length;
    if (leaked > 0) throw new InputError({ file: workload.queries }, `${leaked} queries are texts of the collection; queries must be held out`);
    let embed: (text: string) => Promise<Float32Array>;
    if (workload.vectors === SHIPPED_MODEL) {
      const shipped = await ShippedVectors.load(SHIPPED_MODEL);
      embed = async (text) => {
        const v = shipped.vectorFor(text);
        if (!v) throw new InputError({ field: 'workload.vectors' }, `the shipped ${SHIPPED_MODEL} vectors have no row for the text ${JSON.stringify(text.slice(0, 60))}`);
        return v;
      };
    } else {
      const model = referenceOf(endpoint, 'filtered-search');
      embed = (text) => referenceFloat32(model, text, workload.model, workload.dimensions);
    }
    const vectors: Float32Array[] = [];
    for (const r of collection) vectors.push(await embed(r.text));
    // MemorySystem's ids (prefix 'm', in add order), so both sides and the table share them.
    const ids = collection.map((_, i) => `m${i}`);
    const rng = createRng(seed).fork('filtered-search');
    const attributes: EntryAttributes[] = ids.map(() => ({ namespace: `user-${rng.int(0, workload.users - 1)}`, metadata: { kind: rng.next() < 0.5 ? 'fact' : 'chat' } }));
    const members = new Map<string, number[]>();
    attributes.forEach((a, i) => {
      const list = members.get(a.namespace!) ?? [];
      list.push(i);
      members.set(a.namespace!, list);
    });
    const namespaces = [...members.keys()].sort();
    const queries: Query[] = [];
    let namespaceRows = 0;
    for (const q of asked) {
      const namespace = namespaces[rng.int(0, namespaces.length - 1)];
      const filter: SearchFilter = rng.next() < workload.metadataShare ? { namespace, metadata: { kind: 'fact' } } : { namespace };
      const vector = await embed(q.text);
      const rows = members.get(namespace)!;
      namespaceRows += rows.length;
      const hits: SearchHit[] = [];
      for (const r of rows) if (!filter.metadata || attributes[r].metadata!.kind === filter.metadata.kind) hits.push({ id: ids[r], score: cosine(vector, vectors[r]) });
      queries.push({ vector, filter, exact: hits.sort(compareHits).slice(0, workload.k).map((h) => h.id) });
    }
    return {
      workload,
      ids,
      texts: collection.map((r) => r.text),
      vectors,
      attributes,
      queries,
      meanNamespaceSize: namespaceRows / queries.length,
      databases: new PgDatabases(),
    };
  },

  async run(prepared, params, context) {
    const { workload, queries } = prepared;
    const inner = params.index === 'naive' ? new NaiveIndex() : new FlatIndex({ initialCapacity: prepared.ids.length });
    const index = params.filtering === 'native' ? inner : new UnfilteredView(inner);
    const memory = new MemorySystem({ embedder: new PrecomputedEmbedder(prepared.texts, prepared.vectors), index });
    await memory.addMany(prepared.texts.map((text, i) => ({ text, namespace: prepared.attributes[i].namespace, metadata: prepared.attributes[i].metadata })));
    context.log(`${queries.length} searches within a namespace (${params.filtering}), ${prepared.ids.length} memories in ${workload.users} users`);
    const durations: number[] = [];
    const results: string[][] = [];
    for (const q of queries) {
      const t = performance.now();
      const found = await memory.searchByVector(q.vector, { namespace: q.filter.namespace, filter: q.filter.metadata as Record<string, string>, topK: workload.k });
      durations.push(performance.now() - t);
      results.push(found.map((r) => r.id));
    }
    const stats = memory.filteredSearchStats();
    const calls = params.filtering === 'native' ? stats.nativeFilteredSearches : stats.overFetchCalls;
    const result: MetricValues = {
      recall_at_10: recallAtK(results, queries.map((q) => q.exact), workload.k),
      query_mean_ms: mean(durations),
      query_p50_ms: percentiles(durations, [0.5])[0],
      query_p95_ms: percentiles(durations, [0.95])[0],
      index_calls_per_query: calls / queries.length,
      discarded_hits_per_query: stats.discardedHits / queries.length,
      mean_namespace_size: prepared.meanNamespaceSize,
    };
    const details: DetailTable[] = [];
    if (params.filtering === 'native' && context.repetition === 0 && workload.indexes.length > 0) {
      const table = await measureIndexes(prepared, (m) => context.log(m));
      details.push(table.details);
      result.exact_indexes_min_recall_at_10 = table.exactMinRecall;
      result.indexes_measured = table.details.rows.length;
    }
    return { metrics: result, details };
  },
};

/** Fills every index of the workload with the memories and attributes and asks the filtered queries directly. */
async function measureIndexes(prepared: PreparedFilteredSearch, log: (message: string) => void): Promise<{ details: DetailTable; exactMinRecall: number }> {
  const { workload, ids, vectors, attributes, queries } = prepared;
  const entries = ids.map((id, i) => [id, vectors[i], attributes[i]] as const);
  const dims = vectors[0].length;
  const rows: DetailTable['rows'] = [];
  let exactMinRecall = Number.POSITIVE_INFINITY;
  for (const params of workload.indexes) {
    const started = performance.now();
    const index = await openIndex(params, { capacity: entries.length, dimensions: dims, databases: prepared.databases });
    if (index.fit) await settle(index.fit(vectors));
    const buildStart = performance.now();
    if (index.addMany) await settle(index.addMany(entries));
    else for (const [id, v, a] of entries) await settle(index.add(id, v, a));
    if (index instanceof PgVectorIndex) await index.buildIndex();
    const buildMs = performance.now() - buildStart;
    const durations: number[] = [];
    const results: SearchHit[][] = [];
    for (const q of queries) {
      const t = performance.now();
      let hits = index.search(q.vector, workload.k, q.filter);
      if (isPromise(hits)) hits = await hits;
      durations.push(performance.now() - t);
      results.push(hits);
    }
    const recall = recallAtK(results, queries.map((q) => q.exact), workload.k);
    const exact = isExact(params);
    if (exact) exactMinRecall = Math.min(exactMinRecall, recall);
    const bytes = await settle(index.memoryBytes());
    rows.push([
      params.index,
      settingOf(params),
      index.filtering ?? 'none (over-fetch)',
      exact ? 'yes' : 'no',
      recall,
      mean(durations),
      ...percentiles(durations, [0.5, 0.95]),
      buildMs,
      bytes,
      index instanceof PgVectorIndex ? 'pg_total_relation_size' : index instanceof UsearchIndex ? 'serialized graphs' : 'arrays held',
    ]);
    log(`${params.index} ${settingOf(params)}: recall@${workload.k} ${recall.toFixed(4)} within the filter, ${mean(durations).toFixed(3)} ms per search (${(performance.now() - started).toFixed(0)} ms in all)`);
    if (index instanceof PgVectorIndex) await index.drop();
    await index.close?.();
  }
  return { details: { name: 'indexes_filtered', columns: TABLE_COLUMNS, rows }, exactMinRecall: Number.isFinite(exactMinRecall) ? exactMinRecall : Number.NaN };
}

async function openIndex(params: FilteredIndexParams, environment: Parameters<typeof createIndex>[1] & object): Promise<VectorIndex> {
  if (params.index === 'binary') return new BinaryIndex({ oversample: params.oversample, rescore: params.rescore, initialCapacity: environment.capacity });
  if (params.index === 'usearch') return new UsearchIndex({ quantization: params.quantization, expansionSearch: params.expansionSearch, connectivity: params.connectivity });
  return createIndex(params, params.index === 'naive' ? {} : environment);
}

/** Whether an index answers with the exact cosine ranking (up to float32 sums): naive, flat, pgvector `vector` exact scan. */
function isExact(params: FilteredIndexParams): boolean {
  return params.index === 'naive' || params.index === 'flat' || (params.index === 'pgvector' && params.storage === 'vector' && params.search === 'exact');
}

function settingOf(params: FilteredIndexParams): string {
  switch (params.index) {
    case 'compressed':
      return `PCA ${params.components} ${params.precision}${params.rerank ? ` + re-rank ${params.rerank.precision} x${params.rerank.oversample}` : ''}`;
    case 'binary':
      return `oversample ${params.oversample}, ${params.rescore} re-score`;
    case 'usearch':
      return `${params.quantization}, ef ${params.expansionSearch}, M ${params.connectivity}`;
    case 'pgvector':
      return `${params.storage}, ${params.search}${params.search === 'hnsw' ? ` ef_search ${params.efSearch}` : params.search === 'ivfflat' ? ` probes ${params.probes}` : ''}`;
    default:
      return '';
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((s, x) => s + x, 0) / Math.max(1, values.length);
}

/** An index seen without its filtering (the baseline): MemorySystem then over-fetches and discards. */
class UnfilteredView implements VectorIndex {
  constructor(private readonly inner: VectorIndex) {}
  get dimensions() {
    return this.inner.dimensions;
  }
  get size() {
    return this.inner.size;
  }
  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes) {
    return this.inner.add(id, vector, attributes);
  }
  remove(id: string) {
    return this.inner.remove(id);
  }
  search(vector: ArrayLike<number>, k: number) {
    return this.inner.search(vector, k);
  }
  memoryBytes() {
    return this.inner.memoryBytes();
  }
}

/** Answers embed calls with the prepared vectors of the stored texts (the index, not the API, is under test). */
class PrecomputedEmbedder implements Embedder {
  readonly model = 'precomputed';
  readonly dimensions: number;
  private readonly byText = new Map<string, Float32Array>();
  constructor(texts: readonly string[], vectors: readonly Float32Array[]) {
    texts.forEach((t, i) => this.byText.set(t, vectors[i]));
    this.dimensions = vectors[0].length;
  }
  async embed(text: string): Promise<number[]> {
    const v = this.byText.get(text);
    if (!v) throw new RangeError(`filtered-search: no prepared vector for '${text.slice(0, 40)}'`);
    return Array.from(v);
  }
  embedMany(texts: readonly string[]): Promise<number[][]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): EmbedderStats {
    return { textsRequested: 0, requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, peakQueueLength: 0 };
  }
}
