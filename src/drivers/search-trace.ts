import { z } from 'zod';
import { InputError } from '../errors.ts';
import { loadDataset } from '../datasets/load.ts';
import { shippedDataPath } from '../datasets/defaults.ts';
import { readTrace, type TraceOp, type TraceSearch } from '../datasets/traces.ts';
import { MemorySystem, type SearchStatus } from '../memory/memory-system.ts';
import { matchesFilter } from '../memory/reference.mjs';
import type { MemoryResult, SearchOptions, SearchResultCache, VectorIndex } from '../memory/types.ts';
import { isFactoryVariant } from '../harness/factory-variant.ts';
import { buildUserPart } from '../harness/user-part.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';
import { partStatsTable } from '../measure/part-stats.ts';
import { checkAgainstReference, CrossSideVectors, endpointVectors, ObservedVectors, VECTOR_CHECK_METRICS, vectorCheckMetrics, vectorCheckTable } from '../measure/vector-checks.ts';
import { LatencyRecorder } from '../measure/latency.ts';
import { apiMetrics, apiMetricSpecs, pick } from '../measure/api-metrics.ts';
import { runClosedLoop } from '../measure/closed-loop.ts';
import { PrecomputedEmbedder } from '../measure/precomputed-embedder.ts';
import { InOrderEmbedder } from '../measure/in-order-embedder.ts';
import { CallOrder, inOrderPart } from '../measure/call-order.ts';
import type { ChartHint, DetailTable, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import { CacheBounds, HIT_RATE_BOUNDS_CHART } from '../analysis/cache-bounds.ts';
import { cacheParamsSchema, createCache, createEmbedder, createIndex, StoreConnections, indexParamsSchema, postgresVariablesOf } from '../parts/registry.ts';
import { measureHitCost } from '../parts/search-cache/hit-bench.ts';
import { canonicalKey, normalizeQuery, type QueryNormalization } from '../parts/search-cache/keys.ts';
import { PREPARE_INPUTS_PER_REQUEST, PREPARE_MAX_RETRIES } from '../measure/vector-checks.ts';
import type { ApiRequestContext, ApiRequestPlan } from '../harness/types.ts';

/**
 * The search-trace workload: a memory pre-loaded with the first `preload` memories of a dataset replays a query
 * trace (searches and adds, see src/datasets/traces.ts) with `clients` concurrent async clients, each taking the
 * trace's next operation when its previous one has finished. The variant chooses the result cache: none, the
 * seed's naive cache, memopt's SearchCache (with its query embedding cache), or its own (a factory returning any
 * SearchResultCache). The index behind the cache is the workload's (`index`, default NaiveIndex), the same for
 * both variants.
 *
 * What goes through the endpoint: query embeddings only. Stored texts (pre-load and the trace's adds) are
 * embedded in-process from the endpoint's reference vectors: they cost the same in every variant and are not
 * what a search cache changes, so the ledger counts exactly the searches' requests and tokens. An endpoint without
 * a reference model (run --endpoint URL) is asked for them once in prepare, batched, before the runs' ledgers.
 *
 * Reproducible counters: the replay runs on a virtual clock (operation i starts at i x `opIntervalMs`) that cache
 * TTLs and the ttl_violations check read, and the query embeddings' and the index's asynchronous answers are handed
 * to the clients in the order the clients asked (src/measure/call-order.ts), so hits, joins, evictions and expirations depend on the trace
 * and the seed, not on how fast the machine runs. Wall time is measured for the timing metrics only.
 *
 * Query vectors are checked (`wrong_vectors`): every vector the memory searched with must be the endpoint's
 * reference vector of its normalized query text, or, without a reference model, the baseline side's within a cosine
 * tolerance (src/measure/vector-checks.ts).
 *
 * Query semantics are the same in every variant: the query is normalized (NFC, trimmed, whitespace collapsed, and
 * lower-cased when `caseFold`) before it is embedded, so all three variants answer the same question with the same
 * vector; only the SearchCache also uses that normalization for its keys. That is what makes their answers
 * comparable one to one.
 *
 * Stale check (outside the timed replay): every served result is compared with a fresh, uncached search of the
 * same kind of index at the same point of the trace. A search that overlapped writes may legitimately reflect any
 * generation between its call and its return (it scanned at some instant in between), so it is stale only if it
 * equals the fresh result at none of them. The fresh index is built anew through the same factory and filled in
 * generation order (the trace only adds), and each search is asked of it, with the same query vector, once it holds
 * exactly the memories of that generation: whatever index sits behind the cache, a served result must be what
 * that index answers at that point. No API. The fresh search uses the reference query vector; without a reference
 * model, the vector(s) this run's endpoint answered for that query (a search is stale only if no fresh search with
 * any of them equals it), so the check stays exact when the endpoint's answers vary in the last digits.
 */
const workloadSchema = z
  .object({
    /** The trace to replay (JSONL, src/datasets/traces.ts). */
    trace: z.string().default(shippedDataPath('traces/search-default.jsonl')),
    /** Memories file; its first `preload` records are in the memory before the replay starts. */
    dataset: z.string().default(shippedDataPath('memories.jsonl')),
    preload: z.number().int().min(0).default(1_000),
    /** Concurrent clients replaying the trace in order. */
    clients: z.number().int().min(1).max(1_000).default(8),
    /**
     * Virtual ms between two trace operations: operation i starts at i x opIntervalMs. Cache TTLs (and the
     * ttl_violations check) run on this clock, which reads the start time of the latest operation started, so
     * expiry counts depend on the trace, never on machine speed. Wall time is measured for the timings only.
     */
    opIntervalMs: z.number().min(0).default(1),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().positive().optional(),
    /** Lower-case queries before embedding (and in SearchCache keys). */
    caseFold: z.boolean().default(true),
    /** The index behind the cache (both variants); one that needs fit() is fitted on the pre-loaded vectors. */
    index: indexParamsSchema.default({ index: 'naive' }),
    /** Capacities for the bounds table (infinite, Belady, sequential LRU), besides the variant's own. */
    boundCapacities: z.array(z.number().int().positive()).default([50, 100, 200, 500, 1000]),
    /**
     * Scores of a served result and of the fresh uncached search may differ by this much and still be equal (ids
     * must be equal). Default 0 (identical); an out-of-process store may state its own.
     */
    staleScoreTolerance: z.number().min(0).max(0.01).default(0),
    /** Time a SearchCache hit with tinybench (SearchCache variant, first repetition). */
    measureHitCost: z.boolean().default(true),
  })
  .strict();

const variantSchema = cacheParamsSchema;

export type SearchTraceWorkload = z.infer<typeof workloadSchema>;
export type SearchTraceVariant = z.infer<typeof variantSchema>;

/** What a search-trace variant's own factory gets to build its cache with. */
export interface SearchCacheFactoryContext {
  /** The memory's index (e.g. for an inspector that reads stored vectors). */
  index: VectorIndex;
  /** The memory's record for an id, once stored. */
  record(id: string): { id: string; text: string; metadata?: Record<string, unknown> } | undefined;
  /** The query normalization the memory's query embedder applies (match it in cache keys). */
  normalization: QueryNormalization;
  seed: number;
  /** The replay's virtual clock in ms (workload.opIntervalMs per operation): use it for TTLs so they reproduce. */
  now: () => number;
  /** The variant's own `params` (a sweep point's value in place of the swept one); {} when it gives none. */
  params: Readonly<Record<string, unknown>>;
}

/** A user's SearchResultCache for a search-trace variant (`{ label, factory, version }` in place of `params`). */
export type SearchCacheFactory = (context: SearchCacheFactoryContext) => SearchResultCache | Promise<SearchResultCache>;

const metrics: MetricSpec[] = [
  { name: 'hit_rate', unit: 'fraction', kind: 'counter', better: 'higher', description: "(hits + in-flight joins) / searches; a join costs no request, so it counts as a hit; 0 without a cache; for a user's cache, searches it answered without computing / searches" },
  { name: 'infinite_cache_hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: "bound: every repeat a hit, under the SearchCache's invalidation policy (sequential replay)" },
  { name: 'belady_hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: "bound: Belady's optimal offline policy at the same capacity and invalidation policy (sequential replay)" },
  { name: 'belady_fraction', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'measured hit rate / Belady hit rate' },
  { name: 'lru_sequential_hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'what this LRU would hit on a sequential replay (the measured rate differs by concurrency)' },
  { name: 'stale_results', unit: 'searches', kind: 'counter', better: 'lower', description: 'served results equal to no fresh uncached result within the search (call to return)' },
  { name: 'ttl_violations', unit: 'searches', kind: 'counter', better: 'lower', description: "results served from the cache more than their TTL after they were computed (on the replay's virtual clock, opIntervalMs per operation)" },
  ...apiMetricSpecs(['api_requests', 'api_tokens', 'api_cost_usd', 'api_inputs_truncated'], {
    api_requests: { description: 'embedding requests for queries the endpoint received' },
    api_tokens: { description: 'query tokens billed (cl100k_base)' },
  }),
  { name: 'search_errors', unit: 'searches', kind: 'counter', better: 'lower', description: 'searches that rejected' },
  { name: 'cache_hits', unit: 'searches', kind: 'counter', better: 'higher', description: 'served from a stored entry' },
  { name: 'inflight_joins', unit: 'searches', kind: 'counter', better: 'higher', description: 'joined a running identical search (SearchCache)' },
  { name: 'stale_rejects', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries refused because a write came after them (SearchCache)' },
  { name: 'invalidations', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries dropped by targeted invalidation (SearchCache)' },
  { name: 'evictions', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries dropped for capacity' },
  { name: 'expirations', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries dropped at their TTL' },
  { name: 'embedding_cache_hit_rate', unit: 'fraction', kind: 'counter', better: 'higher', description: 'query embeddings served without a request, over those asked (SearchCache)' },
  { name: 'index_searches', unit: 'searches', kind: 'counter', better: 'lower', description: "searches the index answered during the replay (counted at the index): for pgvector, database round trips for searches" },
  { name: 'db_queries', unit: 'queries', kind: 'counter', better: 'lower', description: "SQL statements pgvector ran during the replay (searches, the trace's adds, session settings), from its stats(); pgvector only" },
  ...VECTOR_CHECK_METRICS,
  { name: 'wall_time_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'first operation to last operation settled' },
  { name: 'latency_p50_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency, median' },
  { name: 'latency_p95_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency, 95th percentile' },
  { name: 'hit_cost_us', unit: 'us', kind: 'timing', better: 'lower', description: "a SearchCache hit's own work (tinybench, the trace's searches as keys)" },
];

interface PreparedSearchTrace {
  workload: SearchTraceWorkload;
  ops: TraceOp[];
  searches: number;
  /** Adds in the trace. */
  adds: number;
  preload: Array<{ text: string; metadata: Record<string, string> | undefined }>;
  /** Vectors of every stored text (pre-load and adds), by text. */
  memoryVectors: Map<string, number[]>;
  /** Vectors of every normalized query text. */
  queryVectors: Map<string, number[]>;
  /** Id (as the memory assigns them: m0, m1, ... in call order) -> metadata, for every memory. */
  metadataById: Map<string, Record<string, unknown> | undefined>;
  /** Id -> stored text, for every memory. */
  textById: Map<string, string>;
  /** The trace's offline hit-rate bounds, computed once per invalidation policy and capacity. */
  bounds: CacheBounds;
  hitCostUs?: number;
  /** The scenario's Postgres when the index is pgvector, opened on first use, closed by release(). */
  stores: StoreConnections;
  /** Whether the vectors above are the endpoint's reference model's (false: asked of the endpoint in prepare). */
  hasReference: boolean;
  /** The baseline side's query vectors, for the cross-side check (no reference model). */
  crossSide: CrossSideVectors;
}

export const searchTraceDriver: WorkloadDriver<
  SearchTraceWorkload,
  SearchTraceVariant,
  PreparedSearchTrace,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>,
  SearchCacheFactory
> = {
  name: 'search-trace',
  workloadSchema,
  variantSchema,
  metrics,
  factory: { part: 'SearchResultCache' },

  apiRequests: searchTraceApiRequests,
  inputs: (workload) => [
    { kind: 'trace', path: workload.trace, field: 'workload.trace' },
    { kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.preload, field: 'workload.preload' } },
    ...postgresVariablesOf(workload.index).map((connectionEnv) => ({ kind: 'postgres' as const, connectionEnv, field: 'workload.index.connectionEnv' })),
  ],
  async release(prepared) {
    await prepared.stores.close();
  },
  async prepare(workload, { endpoint, postgres }) {
    const [ops, records] = await Promise.all([readTrace(workload.trace), loadDataset(workload.dataset)]);
    if (records.length < workload.preload) {
      throw new InputError({ field: 'workload.preload' }, `asks for ${workload.preload} memories but ${workload.dataset} has ${records.length}`);
    }
    const normalization = { caseFold: workload.caseFold };
    // Plain number[] like the SDK's: a NaiveIndex scan slows down several times once it has also seen Float32Arrays.
    const preload = records.slice(0, workload.preload).map((r) => ({ text: r.text, metadata: r.topic ? { topic: r.topic } : undefined }));
    const memoryVectors = new Map<string, number[]>();
    const queryVectors = new Map<string, number[]>();
    const metadataById = new Map<string, Record<string, unknown> | undefined>();
    const textById = new Map<string, string>();
    let nextId = 0;
    const addMemory = (text: string, metadata: Record<string, unknown> | undefined) => {
      const id = `m${nextId++}`;
      metadataById.set(id, metadata);
      textById.set(id, text);
    };
    for (const m of preload) addMemory(m.text, m.metadata);
    let searches = 0;
    const queryTexts: string[] = [];
    for (const op of ops) {
      if (op.op === 'add') addMemory(op.text, op.metadata);
      else {
        searches++;
        queryTexts.push(normalizeQuery(op.text, normalization));
      }
    }
    const vectors = await endpointVectors(endpoint, [...textById.values(), ...queryTexts], workload.model, workload.dimensions);
    for (const text of textById.values()) memoryVectors.set(text, vectors.get(text)!);
    for (const text of queryTexts) queryVectors.set(text, vectors.get(text)!);
    return {
      workload,
      ops,
      searches,
      adds: ops.length - searches,
      preload,
      memoryVectors,
      queryVectors,
      metadataById,
      textById,
      bounds: new CacheBounds({
        preloaded: preload,
        ops,
        vectorOf: (text) => memoryVectors.get(text) ?? queryVectors.get(text),
        normalization,
        capacities: workload.boundCapacities,
      }),
      stores: new StoreConnections(postgres),
      hasReference: endpoint.reference !== null,
      crossSide: new CrossSideVectors(),
    };
  },

  async run(prepared, params, context) {
    const { workload, ops } = prepared;
    const normalization = { caseFold: workload.caseFold };
    // The API's and the index's answers in one call order, so the clients' interleaving (and the cache counters)
    // reproduce (call-order.ts); an index over the wire (pgvector) answers asynchronously too.
    const order = new CallOrder();
    const api = new InOrderEmbedder(await createEmbedder({ embedder: 'naive' }, { client: context.endpoint.createClient(), model: workload.model, dimensions: workload.dimensions }), order);
    const index = inOrderPart(await createFittedIndex(prepared), order);
    const stored = new PrecomputedEmbedder(prepared.memoryVectors, { model: workload.model, dimensions: workload.dimensions });

    let memory: MemorySystem | undefined;
    const record = (id: string) => memory?.get(id);
    const factory = isFactoryVariant<SearchCacheFactory>(params) ? params : undefined;
    const own = isFactoryVariant(params) ? undefined : params;
    // The replay's virtual clock (workload.opIntervalMs): the start time of the latest operation started.
    let virtualNowMs = 0;
    const now = () => virtualNowMs;
    // A user's cache gets the same query embedder as memopt's uncached variant: the API behind the normalization.
    const built = await createCache(own ?? { cache: 'none' }, { embedder: api, index, record, normalization, now });
    const cache: SearchResultCache | undefined = factory ? await buildUserPart(factory, 'SearchResultCache', { index, record, normalization, seed: context.seed, now }) : built.cache;
    const ttlMs = !own || own.cache === 'none' ? 0 : own.ttlMs;
    // The generation each memory was added at, from the memory's own write events (the stale check replays them).
    const addedAt = new Map<string, number>();
    memory = new MemorySystem({
      embedder: stored,
      queryEmbedder: built.queryEmbedder,
      index,
      cache,
      now,
      onWrite: (event) => {
        if (event.kind === 'add') addedAt.set(event.id, event.generation);
      },
    });
    for (const m of prepared.preload) await memory.add(m.text, m.metadata);
    const indexSearchesBefore = memory.stats().indexSearches;
    const dbQueriesBefore = index.stats?.().sqlQueries;

    // The timed replay. Every query vector the memory searched with is kept, by normalized text (checked below;
    // the stale check's fresh searches use them when the endpoint has no reference model).
    const observed = new ObservedVectors();
    const served: Array<ServedSearch | undefined> = new Array(ops.length);
    const latency = new LatencyRecorder();
    let errors = 0;
    let firstError: unknown;
    let computed = 0;
    let ttlViolations = 0;
    let worstOverrunMs = 0;
    const t0 = performance.now();
    await runClosedLoop(ops.length, workload.clients, async (i) => {
      const op = ops[i];
      virtualNowMs = i * workload.opIntervalMs;
      if (op.op === 'add') {
        await memory!.add(op.text, op.metadata);
        return;
      }
      const status: SearchStatus = {};
      const calledAt = virtualNowMs;
      const began = performance.now();
      try {
        const results = await memory!.search(op.text, op.options, status);
        latency.record(performance.now() - began);
        served[i] = { results, generationAtCall: status.generationAtCall!, generationAtReturn: status.generationAtReturn! };
        const bornAt = status.computedAt;
        // Computed before this search was called: it was served from the cache (a join finishes after its call).
        if (ttlMs > 0 && bornAt !== undefined && bornAt < calledAt && calledAt - bornAt > ttlMs) {
          ttlViolations++;
          worstOverrunMs = Math.max(worstOverrunMs, calledAt - bornAt - ttlMs);
        }
      } catch (error) {
        errors++;
        firstError ??= error;
      }
      if (status.computed) computed++;
      if (status.vector) observed.observe(normalizeQuery(op.text, normalization), status.vector);
    });
    const wallMs = performance.now() - t0;
    const indexSearches = memory.stats().indexSearches - indexSearchesBefore;
    const dbQueries = dbQueriesBefore === undefined ? undefined : index.stats!().sqlQueries - dbQueriesBefore;
    const cacheCounters = cache?.stats?.();
    const queryEmbedderStats = built.queryEmbedder.stats();
    await settle(index.close?.({ drop: true }));
    await api.close();
    if (errors > 0) context.log(`${errors} search(es) failed; first: ${(firstError as Error)?.message}`);
    if (ttlViolations > 0) context.log(`${ttlViolations} result(s) served past their TTL, the worst by ${worstOverrunMs.toFixed(1)} ms`);

    // Verification, outside the timed replay.
    const queryVectorsOf = (text: string): ArrayLike<number>[] =>
      prepared.hasReference ? [prepared.queryVectors.get(text)!] : (observed.byText.get(text) ?? [prepared.queryVectors.get(text)!]);
    const stale = await countStale(prepared, served, addedAt, normalization, queryVectorsOf);
    const details: DetailTable[] = [];
    let vectorChecks: MetricValues = {};
    if (prepared.hasReference) {
      vectorChecks = vectorCheckMetrics(checkAgainstReference(observed.byText, prepared.queryVectors));
    } else if (context.side === 'baseline') {
      prepared.crossSide.record(observed.byText);
    } else {
      const check = prepared.crossSide.check(observed.byText);
      vectorChecks = vectorCheckMetrics(check);
      details.push(vectorCheckTable(check, 'query'));
    }
    if (((vectorChecks.wrong_vectors as number | undefined) ?? 0) > 0) context.log(`${vectorChecks.wrong_vectors} query text(s) searched with a wrong or unchecked vector`);
    if (own?.cache === 'none' && stale > 0) {
      context.log(`warning: ${stale} uncached result(s) differ from the reference: the stale check itself is off`);
    }

    const ledger = await context.endpoint.ledger();
    const [p50, p95] = latency.percentiles([0.5, 0.95]);
    const result: MetricValues = {
      stale_results: stale,
      ttl_violations: ttlViolations,
      ...pick(apiMetrics(ledger), ['api_requests', 'api_tokens', 'api_cost_usd', 'api_inputs_truncated']),
      search_errors: errors,
      wall_time_ms: wallMs,
      latency_p50_ms: p50,
      latency_p95_ms: p95,
      hit_rate: 0,
      index_searches: indexSearches,
      ...vectorChecks,
    };
    if (dbQueries !== undefined) result.db_queries = dbQueries;
    if (factory) {
      // A user's cache: what the driver sees for any cache (searches answered without computing), and its stats().
      const searched = served.filter((x) => x !== undefined).length;
      result.hit_rate = searched > 0 ? (searched - computed) / searched : 0;
      result.cache_hits = searched - computed;
      const table = partStatsTable(cacheCounters);
      if (table) details.push(table);
    } else if (cacheCounters) Object.assign(result, cacheMetrics(cacheCounters));
    const { cacheHits, cacheMisses } = queryEmbedderStats;
    if (!factory && cacheHits !== undefined && cacheMisses !== undefined) result.embedding_cache_hit_rate = cacheHits + cacheMisses > 0 ? cacheHits / (cacheHits + cacheMisses) : 0;
    if (own?.cache === 'search-cache') {
      const bounds = prepared.bounds.at(own.invalidation, own.maxEntries);
      result.infinite_cache_hit_rate = bounds.infinite;
      result.belady_hit_rate = bounds.belady;
      result.lru_sequential_hit_rate = bounds.lruSequential;
      result.belady_fraction = bounds.belady > 0 ? result.hit_rate / bounds.belady : Number.NaN;
      if (context.repetition === 0) {
        details.push(prepared.bounds.table(own.invalidation, own.maxEntries));
        if (workload.measureHitCost) {
          const distinct = distinctSearches(ops);
          prepared.hitCostUs ??= (await measureHitCost({ searches: distinct, normalization, ttlMs: own.ttlMs })).usPerHit;
        }
      }
      if (prepared.hitCostUs !== undefined) result.hit_cost_us = prepared.hitCostUs;
    }
    return { metrics: result, details };
  },
};

/** A cache's counters (CacheStats fields) as this driver's metrics; the fields a cache does not keep are left out. */
function cacheMetrics(counters: NonNullable<ReturnType<NonNullable<SearchResultCache['stats']>>>): MetricValues {
  const out: MetricValues = {};
  const names: Array<[string, string]> = [
    ['hitRate', 'hit_rate'],
    ['hits', 'cache_hits'],
    ['inflightJoins', 'inflight_joins'],
    ['staleRejects', 'stale_rejects'],
    ['invalidations', 'invalidations'],
    ['evictions', 'evictions'],
    ['expirations', 'expirations'],
  ];
  for (const [field, metric] of names) {
    const value = (counters as Record<string, number | undefined>)[field];
    if (typeof value === 'number') out[metric] = value;
  }
  return out;
}

interface ServedSearch {
  results: readonly MemoryResult[];
  generationAtCall: number;
  generationAtReturn: number;
}

/** The workload's index, fitted on the pre-loaded vectors when it needs a fit (sq8, compressed). */
async function createFittedIndex(prepared: PreparedSearchTrace): Promise<VectorIndex> {
  const dimensions = prepared.memoryVectors.values().next().value?.length;
  const index = await createIndex(prepared.workload.index, { dimensions, stores: prepared.stores });
  if (index.fit) await settle(index.fit(prepared.preload.map((m) => prepared.memoryVectors.get(m.text)!)));
  return index;
}

/**
 * Served results equal to no fresh result at any generation within their search. Ids are the memory's own (m0,
 * m1, ... in call order, the same in every run since clients take operations in trace order and call add at
 * once); a memory is visible at generation g iff its add event carried a generation <= g. A fresh index of the
 * workload's kind is filled in generation order, and at each generation g the searches still unmatched whose
 * window reaches g are asked of it (once per distinct search and generation).
 */
async function countStale(
  prepared: PreparedSearchTrace,
  served: ReadonlyArray<ServedSearch | undefined>,
  addedAt: ReadonlyMap<string, number>,
  normalization: QueryNormalization,
  queryVectorsOf: (normalizedText: string) => readonly ArrayLike<number>[],
): Promise<number> {
  const index = await createFittedIndex(prepared);
  const inOrder = [...addedAt.entries()].sort((a, b) => a[1] - b[1]);
  const waiting = new Map<number, number[]>();
  let last = -1;
  prepared.ops.forEach((op, i) => {
    const search = served[i];
    if (op.op !== 'search' || !search) return;
    const list = waiting.get(search.generationAtCall) ?? [];
    list.push(i);
    waiting.set(search.generationAtCall, list);
    last = Math.max(last, search.generationAtReturn);
  });
  let stale = 0;
  let stored = 0;
  const first = Math.min(...waiting.keys());
  for (let g = first; g <= last; g++) {
    const due = waiting.get(g);
    if (!due) continue;
    const batch: Array<readonly [string, number[]]> = [];
    while (stored < inOrder.length && inOrder[stored][1] <= g) {
      const id = inOrder[stored++][0];
      batch.push([id, prepared.memoryVectors.get(prepared.textById.get(id)!)!]);
    }
    // One bulk insert per generation step (the pre-load arrives as one batch: a database takes it in few statements).
    if (index.addMany) await settle(index.addMany(batch));
    else for (const [id, v] of batch) await settle(index.add(id, v));
    const freshByKey = new Map<string, FreshHit[][]>();
    for (const i of due) {
      const op = prepared.ops[i] as TraceSearch;
      const key = canonicalKey(op.text, op.options, normalization);
      let fresh = freshByKey.get(key);
      if (!fresh) {
        fresh = [];
        for (const vector of queryVectorsOf(normalizeQuery(op.text, normalization))) fresh.push(await freshSearch(prepared, index, op, vector));
        freshByKey.set(key, fresh);
      }
      const search = served[i]!;
      if (fresh.some((f) => sameResults(search.results, f, prepared.workload.staleScoreTolerance))) continue;
      if (g < search.generationAtReturn) {
        const later = waiting.get(g + 1) ?? [];
        later.push(i);
        waiting.set(g + 1, later);
      } else stale++;
    }
    waiting.delete(g);
  }
  await settle(index.close?.({ drop: true }));
  return stale;
}

type FreshHit = { id: string; score: number };

/** An uncached search, as MemorySystem answers it (topK, metadata filter), of the index as it is now. */
async function freshSearch(prepared: PreparedSearchTrace, index: VectorIndex, op: TraceSearch, queryVector: ArrayLike<number>): Promise<FreshHit[]> {
  const topK = op.options?.topK ?? 5;
  const filter = op.options?.filter;
  let hits = index.search(queryVector, filter ? index.size : topK);
  if (isPromise(hits)) hits = await hits;
  const out: FreshHit[] = [];
  for (const hit of hits) {
    if (filter && !matchesFilter(prepared.metadataById.get(hit.id), filter)) continue;
    out.push({ id: hit.id, score: hit.score });
    if (out.length === topK) break;
  }
  return out;
}

/** Ids equal rank by rank, scores within `tolerance` (0: identical). */
function sameResults(results: readonly MemoryResult[], fresh: readonly FreshHit[], tolerance: number): boolean {
  return results.length === fresh.length && results.every((r, i) => r.id === fresh[i].id && Math.abs(r.score - fresh[i].score) <= tolerance);
}

export { HIT_RATE_BOUNDS_CHART };

function distinctSearches(ops: readonly TraceOp[]): Array<{ text: string; options?: SearchOptions }> {
  const seen = new Set<string>();
  const out: Array<{ text: string; options?: SearchOptions }> = [];
  for (const op of ops) {
    if (op.op !== 'search') continue;
    const id = `${JSON.stringify(op.options ?? {})}\n${op.text}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ text: op.text, options: op.options });
  }
  return out;
}

/** The SDK's default retries per request (a search sends its query embedding through a plain client). */
const SDK_DEFAULT_MAX_RETRIES = 2;

/**
 * The most a search-trace scenario sends: at most one query embedding per search (a cache only removes requests),
 * each alone, up to 3 attempts (the SDK's default), on every run of both sides; prepare: every distinct stored text
 * and normalized query once, 256 per request, up to 3 attempts.
 */
async function searchTraceApiRequests(workload: SearchTraceWorkload, { runs }: ApiRequestContext): Promise<ApiRequestPlan[]> {
  const [ops, records] = await Promise.all([readTrace(workload.trace), loadDataset(workload.dataset)]);
  const normalization = { caseFold: workload.caseFold };
  const searches = ops.flatMap((op) => (op.op === 'search' ? [normalizeQuery(op.text, normalization)] : []));
  const stored = [...records.slice(0, workload.preload).map((r) => r.text), ...ops.flatMap((op) => (op.op === 'add' ? [op.text] : []))];
  const distinct = [...new Set([...stored, ...searches])];
  return [
    { texts: distinct, model: workload.model, batching: { inputsPerRequest: PREPARE_INPUTS_PER_REQUEST, maxRetries: PREPARE_MAX_RETRIES }, times: 1 },
    { texts: searches, model: workload.model, batching: { inputsPerRequest: 1, maxRetries: SDK_DEFAULT_MAX_RETRIES }, times: runs.baseline + runs.optimized },
  ];
}
