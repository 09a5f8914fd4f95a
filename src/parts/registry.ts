/**
 * The registry of memopt's parts: for every kind a scenario can name (`{ index: 'compressed', components: 256 }`,
 * `{ embedder: 'batch' }`, `{ cache: 'search-cache' }`, `{ mode: 'concurrent', concurrency: 8 }`), its params schema
 * and how to build it. Drivers, scripts and users build parts here and know them only through the part interfaces
 * (src/memory/types.ts); nothing outside a part's own folder imports its class to build it.
 *
 * Each kind's module is imported when a part of that kind is first built, not before: usearch (a native addon) and
 * pgvector (`pg`, a PGlite server) load only when a scenario asks for them. A new kind is one entry here and one
 * schema in its folder's params.ts.
 */
import { z } from 'zod';
import type OpenAI from 'openai';
import { RunError } from '../errors.ts';
import type { Embedder, MemoryRecord, SearchHit, SearchResultCache, VectorIndex } from '../memory/types.ts';
import { batchEmbedderParams, naiveEmbedderParams } from './embeddings/params.ts';
import { naiveCacheParams, noCacheParams, searchCacheParams, semanticCacheParams } from './search-cache/params.ts';
import type { SemanticLookup } from './search-cache/semantic-lookup.ts';
import type { QueryNormalization } from './search-cache/keys.ts';
import {
  binaryIndexParams,
  compressedIndexParams,
  flatIndexParams,
  matryoshkaIndexParams,
  naiveIndexParams,
  sq8IndexParams,
  usearchIndexParams,
} from './vector-index/params.ts';
import { pgvectorParams } from './vector-store/params.ts';
import { hybridIndexParams, keywordIndexParams } from './text-index/params.ts';
import { batchSearcherParamsSchema, processorParamsSchema, sharedIndexParams } from './parallel/params.ts';
import type { PgDatabases, RunPostgres } from './vector-store/database.ts';
import type { ParallelProcessor } from './parallel/processor.ts';

// ---------------------------------------------------------------------------------------------------------------
// Indexes and stores

const vectorIndexParams = [
  naiveIndexParams,
  flatIndexParams,
  sq8IndexParams,
  compressedIndexParams,
  binaryIndexParams,
  matryoshkaIndexParams,
  usearchIndexParams,
  sharedIndexParams,
  pgvectorParams,
] as const;
/** The indexes and stores that rank by vectors alone: what a hybrid index fuses with keywords. */
export const vectorIndexParamsSchema = z.discriminatedUnion('index', [...vectorIndexParams]);
export type VectorIndexParams = z.output<typeof vectorIndexParamsSchema>;

/**
 * Every index and store a scenario can name: the one schema of index params. `keyword` (BM25+ over the memories'
 * texts) and `hybrid` (a vector index's params in `vector`, fused with keyword by reciprocal rank fusion) rank by
 * text: MemorySystem hands them memory and query texts (VectorIndex.usesText).
 */
export const indexParamsSchema = z.discriminatedUnion('index', [...vectorIndexParams, keywordIndexParams, hybridIndexParams(vectorIndexParamsSchema)]);
export type IndexParams = z.output<typeof indexParamsSchema>;
export type IndexParamsInput = z.input<typeof indexParamsSchema>;
export type IndexKind = IndexParams['index'];

/**
 * The databases a scenario's stores live in, opened on first use (the Postgres client and a PGlite server load only
 * then) and closed once by their owner, the driver's release(). `postgres`: the run's Postgres for stores that name
 * none of their own (`memopt run --pg-env / --pg-url`); absent, a PGlite server in a child process.
 */
export class StoreConnections {
  private pg: Promise<PgDatabases> | undefined;
  constructor(readonly postgres?: RunPostgres) {}
  /** The Postgres databases (PgDatabases), created on first call. */
  postgresDatabases(): Promise<PgDatabases> {
    this.pg ??= import('./vector-store/database.ts').then(({ PgDatabases }) => new PgDatabases(this.postgres));
    return this.pg;
  }
  /** Where a store of these params lives, for logs ('pglite-server ...', '$NAME'; never a connection string); undefined for an in-process index. */
  async describe(params: IndexParams): Promise<string | undefined> {
    if (params.index !== 'pgvector') return undefined;
    return (await this.postgresDatabases()).get(params.connectionEnv).describe;
  }

  /** Closes every connection and stops any server started; a no-op when none was opened. */
  async close(): Promise<void> {
    const pg = this.pg;
    this.pg = undefined;
    if (pg) await (await pg).close();
  }
}

/** What building an index may need besides its params. */
export interface IndexEnvironment {
  /** Vectors the index will hold, to preallocate (typed indexes grow past it if needed). */
  capacity?: number;
  /** Width of the vectors (pgvector fixes its column at open; in-process indexes learn it at the first add). */
  dimensions?: number;
  /** Where stores' tables live: the scenario's connections, opened on first use and closed by their owner. */
  stores?: StoreConnections;
}

interface IndexEntry<K extends IndexKind> {
  /** 'index': in this process; 'store': out of process (a database). */
  role: 'index' | 'store';
  /** Param names that change only how a built index searches (swept on one build with setSearchParams). */
  searchParams: readonly string[];
  create(params: Extract<IndexParams, { index: K }>, environment: IndexEnvironment): Promise<VectorIndex>;
}

const capacityOf = (environment: IndexEnvironment) => (environment.capacity !== undefined ? { initialCapacity: environment.capacity } : {});

export const INDEX_KINDS: { readonly [K in IndexKind]: IndexEntry<K> } = {
  naive: { role: 'index', searchParams: [], create: async () => new (await import('./vector-index/naive-index.ts')).NaiveIndex() },
  flat: { role: 'index', searchParams: [], create: async (_p, env) => new (await import('./vector-index/flat-index.ts')).FlatIndex(capacityOf(env)) },
  sq8: {
    role: 'index',
    searchParams: [],
    create: async (p, env) => new (await import('./vector-index/scalar-quantized-index.ts')).ScalarQuantizedIndex({ ...capacityOf(env), fitSampleSize: p.fitSampleSize }),
  },
  compressed: {
    role: 'index',
    searchParams: [],
    create: async ({ index: _kind, ...options }, env) => new (await import('./vector-index/compressed-index.ts')).CompressedIndex({ ...options, ...capacityOf(env) }),
  },
  binary: {
    role: 'index',
    searchParams: [],
    create: async ({ index: _kind, ...options }, env) => new (await import('./vector-index/binary-index.ts')).BinaryIndex({ ...options, ...capacityOf(env) }),
  },
  matryoshka: {
    role: 'index',
    searchParams: [],
    create: async (p, env) => new (await import('./vector-index/matryoshka-index.ts')).MatryoshkaIndex({ dimensions: p.dimensions, ...capacityOf(env) }),
  },
  shared: {
    role: 'index',
    searchParams: [],
    create: async (_p, { dimensions, capacity }) => {
      if (dimensions === undefined || capacity === undefined) throw new RunError("index 'shared' needs the vectors' width and count (IndexEnvironment.dimensions, .capacity)");
      return new (await import('./parallel/shared-index.ts')).SharedVectorIndex({ dimensions, capacity });
    },
  },
  usearch: {
    role: 'index',
    searchParams: ['expansionSearch'],
    create: async ({ index: _kind, ...options }) => new (await import('./vector-index/usearch-index.ts')).UsearchIndex(options),
  },
  keyword: {
    role: 'index',
    searchParams: [],
    create: async (p) => new (await import('./text-index/keyword-index.ts')).KeywordIndex({ bm25: p.bm25 }),
  },
  hybrid: {
    role: 'index',
    searchParams: [],
    create: async (p, env) => {
      const [vector, { HybridIndex }] = await Promise.all([createIndex(p.vector, env), import('./text-index/hybrid-index.ts')]);
      return new HybridIndex({ vector, keyword: { bm25: p.bm25 }, rrfK: p.rrfK, depth: p.depth });
    },
  },
  pgvector: {
    role: 'store',
    searchParams: ['efSearch', 'probes', 'iterativeScan', 'maxScanTuples', 'plan'],
    create: async (params, environment) => {
      const { stores, dimensions } = environment;
      if (!stores) throw new RunError("index 'pgvector' needs the scenario's connections (IndexEnvironment.stores)");
      if (dimensions === undefined) throw new RunError("index 'pgvector' needs the vectors' width (IndexEnvironment.dimensions)");
      const [{ PgVectorIndex }, { pgAnnIndexOf }] = await Promise.all([import('./vector-store/pgvector-index.ts'), import('./vector-store/params.ts')]);
      const database = (await stores.postgresDatabases()).get(params.connectionEnv);
      return PgVectorIndex.open({
        client: await database.client(),
        dimensions,
        table: database.nextTable(),
        reset: true,
        storage: params.storage,
        index: pgAnnIndexOf(params),
        search: { efSearch: params.efSearch, probes: params.probes, iterativeScan: params.iterativeScan, maxScanTuples: params.maxScanTuples, plan: params.plan },
        rerankFactor: params.rerankFactor,
        ...(params.buildMemoryMb !== undefined ? { buildMemoryMb: params.buildMemoryMb } : {}),
      });
    },
  },
};

/** The index or store the params name (validated params: defaults filled). sq8, compressed and binary want fit() first. */
export function createIndex(params: IndexParams, environment: IndexEnvironment = {}): Promise<VectorIndex> {
  const entry = INDEX_KINDS[params.index] as IndexEntry<IndexKind>;
  return entry.create(params, environment);
}

/**
 * The params that decide how an index is built, without its search-time settings: two params with the same build
 * key can share one built index (setSearchParams switches between them).
 */
export function buildKeyOf(params: IndexParams): string {
  const searchOnly = new Set(INDEX_KINDS[params.index].searchParams);
  return JSON.stringify(Object.entries(params).filter(([name]) => !searchOnly.has(name)));
}

/** The search-time settings of params (see buildKeyOf), as setSearchParams takes them. */
export function searchSettingsOf(params: IndexParams): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const name of INDEX_KINDS[params.index].searchParams) {
    const value = (params as Record<string, unknown>)[name];
    if (typeof value === 'number' || typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Whether the kind answers with the exact cosine ranking (up to float32 sums), from its params alone. */
export function isExactIndex(params: IndexParams): boolean {
  return params.index === 'naive' || params.index === 'flat' || (params.index === 'pgvector' && params.storage === 'vector' && params.search === 'exact');
}

/** The user Postgres variables index params name (pre-run checks: each must be set and answer). */
export function postgresVariablesOf(params: IndexParams): string[] {
  return params.index === 'pgvector' && params.connectionEnv !== undefined ? [params.connectionEnv] : [];
}

// ---------------------------------------------------------------------------------------------------------------
// Embedders

export const embedderParamsSchema = z.discriminatedUnion('embedder', [naiveEmbedderParams, batchEmbedderParams]);
export type EmbedderParams = z.output<typeof embedderParamsSchema>;
export type EmbedderKind = EmbedderParams['embedder'];

export interface EmbedderEnvironment {
  /** The client to call (from the run's endpoint). */
  client: OpenAI;
  model: string;
  dimensions?: number;
  /** Random source for the BatchEmbedder's retry jitter. Default: the BatchEmbedder's own, seeded with a constant. */
  random?: () => number;
}

export const EMBEDDER_KINDS: { readonly [K in EmbedderKind]: (params: Extract<EmbedderParams, { embedder: K }>, environment: EmbedderEnvironment) => Promise<Embedder> } = {
  naive: async (_params, { client, model, dimensions }) => new (await import('./embeddings/naive-embedder.ts')).NaiveEmbedder({ client, model, dimensions }),
  batch: async ({ embedder: _kind, ...options }, { client, model, dimensions, random }) =>
    new (await import('./embeddings/batch-embedder.ts')).BatchEmbedder({ client, model, dimensions, ...options, ...(random ? { random } : {}) }),
};

/** A NaiveEmbedder or a BatchEmbedder, as the params say. */
export function createEmbedder(params: EmbedderParams, environment: EmbedderEnvironment): Promise<Embedder> {
  const create = EMBEDDER_KINDS[params.embedder] as (p: EmbedderParams, e: EmbedderEnvironment) => Promise<Embedder>;
  return create(params, environment);
}

// ---------------------------------------------------------------------------------------------------------------
// Search-result caches

export const cacheParamsSchema = z.discriminatedUnion('cache', [noCacheParams, naiveCacheParams, searchCacheParams, semanticCacheParams]);
export type CacheParams = z.output<typeof cacheParamsSchema>;
export type CacheKind = CacheParams['cache'];

export interface CacheEnvironment {
  /** Embeds queries (the API); the query embedder returned wraps it. */
  embedder: Embedder;
  /** The memory's index (targeted invalidation reads stored vectors through its get(id), else its scoreTolerance). */
  index: VectorIndex;
  /** The memory's record for an id (targeted invalidation reads filters' metadata from it). */
  record: (id: string) => MemoryRecord | undefined;
  /** Query normalization for the query embedder and the SearchCache's keys. Default: none (case kept). */
  normalization?: QueryNormalization;
  /**
   * Builds the embedder search queries are sent to, from `embedder` (the API): e.g. a batching embedder or a local
   * model for queries only. It sits behind the query normalization and, for 'search-cache', behind the query
   * embedding cache (whose vectors targeted invalidation reads), so it receives normalized texts, each once while
   * cached. Default: `embedder` itself.
   */
  queryEmbedderFactory?: (embedder: Embedder) => Embedder;
  /**
   * The clock TTLs are checked against, in ms. Default: the caches' own (performance.now() for 'search-cache',
   * Date.now for 'naive'). A driver replaying a trace passes the trace's virtual time, so expiry depends on the
   * trace, not on how fast the machine runs it.
   */
  now?: () => number;
  /** 'semantic': names its guard treats as entities, by namespace (the user's contacts). Default none. */
  knownNames?: (namespace: string | undefined) => readonly string[];
  /** 'semantic': called once per lookup with what it did (a driver counting false hits watches this). */
  onSemanticLookup?: (lookup: SemanticLookup) => void;
}

/** A cache and the query embedder to give the memory with it (every kind embeds the same normalized query). */
export interface BuiltCache {
  cache: SearchResultCache | undefined;
  queryEmbedder: Embedder;
}

/**
 * The cache the params name (undefined for 'none') and the query embedder to give the memory with it: the
 * SearchCache's EmbeddingCache, or the API behind the same query normalization.
 */
export async function createCache(params: CacheParams, environment: CacheEnvironment): Promise<BuiltCache> {
  const { index, record } = environment;
  const normalization = environment.normalization ?? { caseFold: false };
  const embedder = environment.queryEmbedderFactory ? environment.queryEmbedderFactory(environment.embedder) : environment.embedder;
  if (params.cache === 'semantic') {
    const [{ createSearchCaches }, { SemanticSearchCache }, { FixedThreshold, AdaptiveThreshold }, { createRng }] = await Promise.all([
      import('./search-cache/cached-memory.ts'),
      import('./search-cache/semantic-cache.ts'),
      import('./search-cache/threshold-policy.ts'),
      import('../util/rng.ts'),
    ]);
    const caches = createSearchCaches({
      embedder,
      index,
      record,
      normalization,
      cache: { maxEntries: params.maxEntries, maxSizeBytes: params.maxSizeBytes, ttlMs: params.ttlMs, invalidation: params.invalidation, ...(environment.now ? { now: environment.now } : {}) },
      embeddingCache: { maxEntries: params.embeddingCacheEntries },
    });
    const policy = params.policy === 'fixed' ? new FixedThreshold(params.threshold) : new AdaptiveThreshold({ errorBound: params.errorBound, minObservations: params.minObservations });
    const rng = createRng(params.seed).fork('semantic-cache');
    const cache = new SemanticSearchCache({
      exact: caches.cache,
      embedder: caches.embeddings,
      policy,
      guard: params.guard,
      verifyShare: params.verifyShare,
      answerMatch: params.answerMatch,
      observations: params.observations,
      normalization,
      random: () => rng.next(),
      ...(environment.knownNames ? { knownNames: environment.knownNames } : {}),
      ...(environment.onSemanticLookup ? { onLookup: environment.onSemanticLookup } : {}),
    });
    return { cache, queryEmbedder: caches.embeddings };
  }
  if (params.cache === 'search-cache') {
    const { createSearchCaches } = await import('./search-cache/cached-memory.ts');
    const caches = createSearchCaches({
      embedder,
      index,
      record,
      normalization,
      cache: { maxEntries: params.maxEntries, maxSizeBytes: params.maxSizeBytes, ttlMs: params.ttlMs, invalidation: params.invalidation, ...(environment.now ? { now: environment.now } : {}) },
      embeddingCache: { maxEntries: params.embeddingCacheEntries },
    });
    return { cache: caches.cache, queryEmbedder: caches.embeddings };
  }
  const { QueryNormalizingEmbedder } = await import('./search-cache/embedding-cache.ts');
  const queryEmbedder = new QueryNormalizingEmbedder(embedder, normalization);
  if (params.cache === 'naive') {
    const { NaiveSearchCache } = await import('./search-cache/naive-cache.ts');
    return { cache: new NaiveSearchCache({ maxEntries: params.maxEntries, ttlMs: params.ttlMs, ...(environment.now ? { now: environment.now } : {}) }), queryEmbedder };
  }
  return { cache: undefined, queryEmbedder };
}

// ---------------------------------------------------------------------------------------------------------------
// Processors

export { processorParamsSchema, batchSearcherParamsSchema };
export type ProcessorParams = z.output<typeof processorParamsSchema>;

/** Runs a batch of operations with bounded concurrency; results in input order (see ParallelProcessor.map). */
export type Processor = Pick<ParallelProcessor, 'map' | 'stats' | 'concurrency'>;

/** A ParallelProcessor at the params' concurrency (1 for 'sequential': the same code path, one at a time). */
export async function createProcessor(params: ProcessorParams): Promise<Processor> {
  const { ParallelProcessor } = await import('./parallel/processor.ts');
  return new ParallelProcessor({ concurrency: params.mode === 'sequential' ? 1 : params.concurrency });
}

export type BatchSearcherParams = z.output<typeof batchSearcherParamsSchema>;

/** Answers a batch of exact searches over one index: on the main thread, or split over worker threads. */
export interface BatchSearcher {
  /** Starts what the searcher needs (a worker pool), untimed. */
  start(): Promise<void>;
  searchBatch(queries: readonly ArrayLike<number>[], k: number): Promise<SearchHit[][]>;
  /** Stops its threads (forcibly: nothing is left running). */
  close(): Promise<void>;
  /** Threads of its own still alive (0 for the main thread; after close, for a pool, 0 unless one leaked). */
  readonly threads: number;
}

/**
 * A batch searcher over `index`, which must be a 'shared' index for worker threads (they map its buffers); the
 * main thread uses the index's own searchBatch.
 */
export async function createBatchSearcher(params: BatchSearcherParams, index: VectorIndex): Promise<BatchSearcher> {
  if (params.mode === 'main-thread') {
    const searchBatch = index.searchBatch?.bind(index);
    if (!searchBatch) throw new RunError("batch searcher 'main-thread' needs an index with searchBatch()");
    return { start: async () => {}, searchBatch: async (queries, k) => searchBatch(queries, k), close: async () => {}, threads: 0 };
  }
  const [{ WorkerPoolSearcher }, { SharedVectorIndex }] = await Promise.all([import('./parallel/worker-searcher.ts'), import('./parallel/shared-index.ts')]);
  if (!(index instanceof SharedVectorIndex)) throw new RunError("batch searcher 'workers' needs a 'shared' index (its buffers are mapped by the workers)");
  const pool = new WorkerPoolSearcher(index, { workers: params.workers });
  return {
    start: () => pool.start(),
    searchBatch: (queries, k) => pool.searchBatch(queries, k),
    close: () => pool.close({ force: true }),
    get threads() {
      return pool.threads;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** Every registered kind, by the interface it builds: for listings and for tests that cover every kind. */
export const REGISTERED_KINDS = {
  index: Object.keys(INDEX_KINDS) as IndexKind[],
  embedder: Object.keys(EMBEDDER_KINDS) as EmbedderKind[],
  cache: cacheParamsSchema.options.map((o) => o.shape.cache.value) as CacheKind[],
  processor: processorParamsSchema.options.map((o) => o.shape.mode.value) as Array<ProcessorParams['mode']>,
  batchSearcher: batchSearcherParamsSchema.options.map((o) => o.shape.mode.value) as Array<BatchSearcherParams['mode']>,
} as const;
