/**
 * The narrow interfaces every optimization shares with its naive baseline, so a scenario swaps one part and
 * nothing else: an Embedder (naive or batched), a VectorIndex (naive, flat or compressed), a result cache.
 */

/** An embedding as the openai SDK returns it (it decodes base64 into a plain array). */
export type Embedding = number[];

/** Counters every embedder keeps; exact, so scenarios can gate on them. */
export interface EmbedderStats {
  /** Texts callers asked to embed (embed + embedMany items). */
  textsRequested: number;
  /** HTTP requests sent to the API, retries included. */
  requestsSent: number;
  /** Requests that were retries of an earlier attempt. */
  retries: number;
  /** Requests that finally failed (after retries). */
  failedRequests: number;
  /** Inputs sent over all successful requests (after in-batch de-duplication). */
  inputsSent: number;
  /** Largest number of texts waiting in the embedder's queue at once (0 for embedders without a queue). */
  peakQueueLength: number;
  /** A batching embedder: batches sent full (maxBatchSize inputs, or the token budget reached). */
  fullBatchesSent?: number;
  /** A batching embedder: batches sent not full, when their wait timer ran out. */
  timerBatchesSent?: number;
  /** A batching embedder: batches sent not full by flush() or a full queue. */
  flushedBatchesSent?: number;
  /** An embedder with a cache in front of the API: calls answered from it, and calls that went on to the API. */
  cacheHits?: number;
  cacheMisses?: number;
}

/**
 * What a part says of itself, for report rows and logs: the registry kind (or a user's label), one line of the
 * settings that matter, and those settings as values. Parts built from registry params describe themselves; a
 * user's part may.
 */
export interface PartDescription {
  /** 'flat', 'compressed', 'pgvector', 'batch', 'search-cache', ...; a user's part: anything it likes. */
  kind: string;
  /** The settings that matter, in a few words, e.g. 'PCA 256 int8 + re-rank int8 x4'; '' when there are none. */
  setting: string;
  /**
   * The same settings as values. Indexes give, where they apply: `precision` (how vectors are stored: 'float64',
   * 'float32', 'float16', 'int8', 'binary'), `components` (stored width after a projection), `rerank`
   * ('none' or e.g. 'int8 x4'), `exact` (true when search returns the exact cosine ranking, up to float32 sums),
   * `bytesSource` (how memoryBytes() is obtained: 'arrays held', 'pg_total_relation_size', ...).
   */
  settings: Record<string, string | number | boolean | null>;
}

/** Per-call options of an Embedder. */
export interface EmbedCallOptions {
  /**
   * Aborts this call alone: it rejects with `signal.reason` and no other caller is affected. Optional for an
   * implementation: one that cannot abort may ignore it (the call then settles as it would have).
   */
  signal?: AbortSignal;
}

/** Options of Embedder#close. */
export interface EmbedderCloseOptions {
  /** Gives up waiting: calls still pending are aborted with `signal.reason` and close rejects with it. */
  signal?: AbortSignal;
}

export interface Embedder {
  readonly model: string;
  /** Optional: what this embedder is and how it is set (see PartDescription). */
  describe?(): PartDescription;
  /** Requested output width, when the model supports `dimensions`; undefined means the model's native width. */
  readonly dimensions: number | undefined;
  /** Embeds one text; resolves to this text's own vector. */
  embed(text: string, options?: EmbedCallOptions): Promise<Embedding>;
  /** Embeds several texts; resolves to their vectors in input order. */
  embedMany(texts: readonly string[], options?: EmbedCallOptions): Promise<Embedding[]>;
  /** Resolves when every call made before it has settled. */
  flush(): Promise<void>;
  /** Flushes, then refuses further calls. */
  close(options?: EmbedderCloseOptions): Promise<void>;
  stats(): EmbedderStats;
}

export interface SearchHit {
  id: string;
  /** Cosine similarity (or its approximation for compressed indexes); higher is closer. */
  score: number;
}

/** A metadata value an index can filter on (exact match). */
export type FilterValue = string | number | boolean;

/** What a stored vector carries for filtered search. */
export interface EntryAttributes {
  /** The user or conversation the memory belongs to; a search within a namespace sees only its entries. */
  namespace?: string;
  /** Fields a search can require exact values of. */
  metadata?: Record<string, FilterValue>;
  /** The memory's text: given only to an index that declares `usesText` (keyword, hybrid); others never get it. */
  text?: string;
}

/** Restricts a search to one namespace and/or to entries whose metadata has these exact values. */
export interface SearchFilter {
  namespace?: string;
  metadata?: Record<string, FilterValue>;
}

/** A value, or a promise of it: what a part that may live out of process (a database, a server) returns. */
export type MaybePromise<T> = T | Promise<T>;

/** What an index's fit() may report (every field optional; a user's index may return nothing). */
export interface IndexFitReport {
  /** Rows the fit used. */
  sampleRows?: number;
  /** Share of the sample's variance the kept components carry (a projection). */
  explainedVariance?: number;
  /** Solver iterations. */
  iterations?: number;
  /** Solver name. */
  method?: string;
}

/** Options of VectorIndex#close. */
export interface IndexCloseOptions {
  /**
   * Also delete what the index stored outside this process (a database table), so nothing is left behind.
   * Default false: the data stays for a later open. An in-process index frees its memory either way.
   */
  drop?: boolean;
}

/**
 * Stores vectors and answers nearest-neighbour queries. Methods may return promises, so an index that lives out of
 * process (a database) can implement it; every caller awaits them. memopt's in-process indexes answer synchronously
 * (a plain value satisfies MaybePromise), and callers take care not to add a tick when a value is not a promise.
 *
 * The lifecycle a driver follows, every optional step skipped when the index lacks it:
 * `fit(sample)` (training), `addMany(entries)` or `add()` per entry (the bulk load), `build()` (an ANN index built
 * over the loaded rows; timed as part of loading), searches and further writes, `close({ drop })`.
 */
export interface VectorIndex {
  /** Width of stored vectors; undefined until the first vector is added (or the index is fitted). */
  readonly dimensions: number | undefined;
  /** Number of stored vectors (an out-of-process index keeps this count client-side). */
  readonly size: number;
  /** Adds or replaces the vector stored under `id`, with the attributes a filtered search matches on. */
  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): MaybePromise<void>;
  /** Optional bulk insert; callers fall back to add() per entry. */
  addMany?(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): MaybePromise<void>;
  /** Removes `id`; returns whether it was there. */
  remove(id: string): MaybePromise<boolean>;
  /**
   * k nearest by cosine, best first, ties broken by id ascending; with `filter`, the k nearest among the entries
   * that match it (an index with `filtering: 'native'` visits only those; see `filtering`). `queryText`: the search's
   * text, given only to an index that declares `usesText` (absent when the search has no text: searchByVector).
   */
  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter, queryText?: string): MaybePromise<SearchHit[]>;
  /**
   * Optional: true when the index ranks by the memories' texts (a keyword index; a hybrid of vectors and keywords).
   * MemorySystem then gives each entry's text in `attributes.text` and each search's text as search()'s
   * `queryText`; an index without it gets neither. Its scores are its own (BM25, fused ranks), not cosines.
   */
  readonly usesText?: boolean;
  /** Optional: many queries at once (one pass over the rows), each answered as search() would, in order. */
  searchBatch?(vectors: readonly ArrayLike<number>[], k: number): MaybePromise<SearchHit[][]>;
  /**
   * 'native': search applies `filter` itself without scanning every entry and discarding (per-namespace rows,
   * an inverted list, SQL WHERE). Absent: the index ignores `filter`, and MemorySystem over-fetches and discards
   * (reported as such, never claimed as filtered search).
   */
  readonly filtering?: 'native';
  /** Bytes held (exact from arrays held, or as the store reports them). */
  memoryBytes(): MaybePromise<number>;
  /**
   * Optional: bytes held outside the JS heap, which V8's heap and array-buffer counters do not see (WebAssembly
   * memory, a native library's allocations, a database's relation size). Part of memoryBytes(), not added to it.
   */
  externalBytes?(): MaybePromise<number>;
  /** Optional training on a sample before adds (PCA fit, quantizer ranges, thresholds...). */
  fit?(sample: readonly ArrayLike<number>[]): MaybePromise<IndexFitReport | void>;
  /**
   * Optional: work done once after a bulk load, before searches (pgvector builds its HNSW or IVFFlat index here).
   * A driver calls it after addMany and times it as part of loading.
   */
  build?(): MaybePromise<void>;
  /**
   * Optional: changes search-time settings (HNSW's ef, IVFFlat's probes) on the built index, so one build serves
   * a sweep of them. Keys are the index's own param names; unknown keys are refused. Values are numbers, or names of
   * a mode (pgvector's iterativeScan).
   */
  setSearchParams?(settings: Record<string, number | string>): void;
  /** Optional: the vector stored under `id` (as stored: after any quantization), or undefined. */
  get?(id: string): ArrayLike<number> | undefined;
  /**
   * Optional: scores within this of each other may be ranked either way against an exact float64 scan (float32
   * sums in another order); undefined when search is approximate (no such bound). Targeted cache invalidation and
   * the drivers' agreement checks use it.
   */
  readonly scoreTolerance?: number | undefined;
  /** Optional: what this index is and how it is set (see PartDescription). */
  describe?(): PartDescription;
  /** Optional part-specific counters, reported beside the driver's generic metrics. */
  stats?(): Record<string, number>;
  /** Optional release of resources (connections, workers); with `drop`, also of what it stored elsewhere. */
  close?(options?: IndexCloseOptions): MaybePromise<void>;
}

export interface MemoryRecord {
  id: string;
  text: string;
  /** The user or conversation this memory belongs to. */
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export interface MemoryResult extends MemoryRecord {
  score: number;
}

export interface SearchOptions {
  /** How many results; default 5. */
  topK?: number;
  /** Only records of this namespace. */
  namespace?: string;
  /** Only records whose metadata has these exact values. */
  filter?: Record<string, string | number | boolean>;
}

/**
 * A change to the memory's contents; caches use it to never serve a result computed before it. The optional fields
 * let a cache invalidate per namespace and decide targeted invalidation without reading the index
 * (an out-of-process index cannot answer `get(id)` synchronously): `record` and `vector` are the memory as stored by
 * this write (absent for a delete), `namespace` is the namespace the write touched, `previousNamespace` the one an
 * update moved the memory out of.
 */
export interface WriteEventDetails {
  namespace?: string;
  previousNamespace?: string;
  record?: MemoryRecord;
  vector?: ArrayLike<number>;
}
export type WriteEvent =
  | ({ kind: 'add'; id: string; generation: number } & WriteEventDetails)
  | ({ kind: 'update'; id: string; generation: number } & WriteEventDetails)
  | ({ kind: 'delete'; id: string; generation: number } & WriteEventDetails);

/**
 * A search-result cache the memory system consults. `generation` is the memory's write counter when the search
 * started; an implementation must never serve a result computed under an older generation than the current one
 * unless it knows no write since then could change it.
 */
export interface SearchResultCache {
  getOrCompute(
    query: string,
    options: SearchOptions,
    generation: number,
    compute: () => Promise<MemoryResult[]>,
  ): Promise<MemoryResult[]>;
  /** Called after every write, with the new generation. */
  onWrite(event: WriteEvent): void;
  /**
   * Optional counters, so a driver observes the cache without wrapping it: the fields of CacheStats that apply
   * (memopt's caches give them all), and any others of the cache's own (reported as its part_stats).
   */
  stats?(): Partial<CacheStats> | Record<string, number>;
  /** Optional: what this cache is and how it is set (see PartDescription). */
  describe?(): PartDescription;
}

/**
 * What a search-result cache counts. Exact for memopt's caches; a user's cache reports what it can (the driver
 * counts searches the cache answered without computing itself, through MemorySystem's search status).
 */
export interface CacheStats {
  /** Searches answered from a stored entry. */
  hits: number;
  /** Searches that computed their result. */
  misses: number;
  /** Searches that joined an identical search already running (no request of their own). */
  inflightJoins?: number;
  /** Entries refused because a write came after them (a stale result avoided). */
  staleRejects?: number;
  /** Entries dropped by targeted invalidation. */
  invalidations?: number;
  /** Entries dropped for capacity. */
  evictions?: number;
  /** Entries dropped at their TTL. */
  expirations?: number;
  /** (hits + inflightJoins) / searches; 0 before any search. */
  hitRate: number;
}
