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

/** What a stored vector carries for filtered search (contract C5). */
export interface EntryAttributes {
  /** The user or conversation the memory belongs to; a search within a namespace sees only its entries. */
  namespace?: string;
  /** Fields a search can require exact values of. */
  metadata?: Record<string, FilterValue>;
}

/** Restricts a search to one namespace and/or to entries whose metadata has these exact values (contract C5). */
export interface SearchFilter {
  namespace?: string;
  metadata?: Record<string, FilterValue>;
}

/** A value, or a promise of it: what a part that may live out of process (a database, a server) returns. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Stores vectors and answers nearest-neighbour queries. Methods may return promises, so an index that lives out of
 * process (a database) can implement it; every caller awaits them. memopt's in-process indexes answer synchronously
 * (a plain value satisfies MaybePromise), and callers take care not to add a tick when a value is not a promise.
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
   * that match it (an index with `filtering: 'native'` visits only those; see `filtering`).
   */
  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): MaybePromise<SearchHit[]>;
  /**
   * 'native': search applies `filter` itself without scanning every entry and discarding (per-namespace rows,
   * an inverted list, SQL WHERE). Absent: the index ignores `filter`, and MemorySystem over-fetches and discards
   * (reported as such, never claimed as filtered search).
   */
  readonly filtering?: 'native';
  /** Bytes held (exact from arrays held, or as the store reports them). */
  memoryBytes(): MaybePromise<number>;
  /** Optional training on a sample before adds (PCA fit, quantizer ranges, IVF lists...). */
  fit?(sample: readonly ArrayLike<number>[]): MaybePromise<unknown>;
  /** Optional part-specific counters, reported beside the driver's generic metrics. */
  stats?(): Record<string, number>;
  /** Optional release of resources (connections, workers). */
  close?(): MaybePromise<void>;
}

export interface MemoryRecord {
  id: string;
  text: string;
  /** The user or conversation this memory belongs to (contract C5). */
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export interface MemoryResult extends MemoryRecord {
  score: number;
}

export interface SearchOptions {
  /** How many results; default 5. */
  topK?: number;
  /** Only records of this namespace (contract C5). */
  namespace?: string;
  /** Only records whose metadata has these exact values. */
  filter?: Record<string, string | number | boolean>;
}

/**
 * A change to the memory's contents; caches use it to never serve a result computed before it. The optional fields
 * (contract C5) let a cache invalidate per namespace and decide targeted invalidation without reading the index
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
}
