/**
 * The filtered-search workload: agent memory searched per user. A collection of memories is split
 * among many small namespaces (each memory given to a user drawn from the scenario's seed, so a few hundred users
 * hold tens of memories each), each memory also carries `kind: 'fact' | 'chat'` (drawn the same way), and every
 * held-out query is asked within one user's namespace (a share of them also within `kind: 'fact'`). Recall@k is
 * measured against the exact filtered answer: exact cosine over that user's matching memories (reference.mjs),
 * ties by id.
 *
 * The two sides are MemorySystem over a FlatIndex: the baseline with the index's filtering hidden, so MemorySystem
 * over-fetches and discards (MemorySystem's `filtering: 'over-fetch'`: what every search did before indexes
 * filtered), the optimized side with the filter passed
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
import { loadDataset, loadQueries, shippedDataPath } from '../datasets/index.ts';
import { ShippedVectors, SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import type { DetailTable, InputDeclaration, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import { compareHits, cosine } from '../memory/reference.mjs';
import type { EntryAttributes, SearchFilter, SearchHit } from '../memory/types.ts';
import { createIndex, StoreConnections, indexParamsSchema, isExactIndex, postgresVariablesOf, type IndexParams } from '../parts/registry.ts';
import { recallAtK } from '../parts/vector-index/recall.ts';
import { measureIndexes, mean } from '../measure/index-runs.ts';
import { percentiles } from '../measure/latency.ts';
import { PrecomputedEmbedder } from '../measure/precomputed-embedder.ts';
import { referenceFloat32, referenceOf } from '../measure/reference-vectors.ts';
import { createRng } from '../util/rng.ts';

const SHIPPED_MODEL = 'use-lite';

/** One index of the table: any registry index or store params. */
export type FilteredIndexParams = IndexParams;

const workloadSchema = z
  .object({
    /** 'use-lite': the shipped real vectors (datasets/vectors/) of the texts; absent: the endpoint's reference vectors (the mock's). */
    vectors: z.literal(SHIPPED_MODEL).optional(),
    dataset: z.string().default(shippedDataPath('memories.jsonl')),
    queries: z.string().default(shippedDataPath('queries.jsonl')),
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
    indexes: z.array(indexParamsSchema).default([]),
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
  stores: StoreConnections;
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
      for (const connectionEnv of postgresVariablesOf(p)) out.push({ kind: 'postgres', connectionEnv, field: `workload.indexes[${i}].connectionEnv` });
    });
    return out;
  },

  async release(prepared) {
    await prepared.stores.close();
  },

  async prepare(workload, { seed, endpoint, postgres }) {
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
      stores: new StoreConnections(postgres),
    };
  },

  async run(prepared, params, context) {
    const { workload, queries } = prepared;
    const index = await createIndex({ index: params.index }, { capacity: prepared.ids.length });
    const embedder = new PrecomputedEmbedder(prepared.texts.map((text, i) => [text, prepared.vectors[i]]));
    const memory = new MemorySystem({ embedder, index, filtering: params.filtering === 'native' ? 'index' : 'over-fetch' });
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
      const table = await measureIndexTable(prepared, (m) => context.log(m));
      details.push(table.details);
      result.exact_indexes_min_recall_at_10 = table.exactMinRecall;
      result.indexes_measured = table.details.rows.length;
    }
    return { metrics: result, details };
  },
};

/** Fills every index of the workload with the memories and attributes and asks the filtered queries directly. */
async function measureIndexTable(prepared: PreparedFilteredSearch, log: (message: string) => void): Promise<{ details: DetailTable; exactMinRecall: number }> {
  const { workload, ids, vectors, attributes, queries } = prepared;
  const rows: DetailTable['rows'] = [];
  let exactMinRecall = Number.POSITIVE_INFINITY;
  await measureIndexes(
    workload.indexes,
    {
      entries: ids.map((id, i) => [id, vectors[i], attributes[i]]),
      sample: vectors,
      queries,
      exact: queries.map((q) => q.exact),
      k: workload.k,
      environment: { capacity: ids.length, dimensions: vectors[0].length, stores: prepared.stores },
      log,
    },
    (m) => {
      const exact = isExactIndex(m.params);
      if (exact) exactMinRecall = Math.min(exactMinRecall, m.recallK);
      const described = m.index.describe?.();
      rows.push([
        m.params.index,
        described?.setting ?? '',
        m.index.filtering ?? 'none (over-fetch)',
        exact ? 'yes' : 'no',
        m.recallK,
        m.meanMs,
        m.p50Ms,
        m.p95Ms,
        m.load.buildMs,
        m.bytes,
        String(described?.settings.bytesSource ?? 'as the index reports it'),
      ]);
    },
  );
  return { details: { name: 'indexes_filtered', columns: TABLE_COLUMNS, rows }, exactMinRecall: Number.isFinite(exactMinRecall) ? exactMinRecall : Number.NaN };
}
