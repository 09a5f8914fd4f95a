import { refuseNul } from './nul-check.ts';
import { NaiveIndex } from '../parts/vector-index/naive-index.ts';
import { matchesSearchFilter } from './reference.mjs';
import { isPromise } from '../util/maybe-promise.ts';
import type {
  Embedder,
  EntryAttributes,
  FilterValue,
  MaybePromise,
  MemoryRecord,
  MemoryResult,
  SearchHit,
  SearchFilter,
  SearchOptions,
  SearchResultCache,
  VectorIndex,
  WriteEvent,
} from './types.ts';

export interface MemorySystemOptions {
  /** Turns texts into vectors: the naive one-request-per-text embedder or the batched one. Required. */
  embedder: Embedder;
  /** Stores vectors and answers nearest-neighbour queries. Default: a new NaiveIndex (exact scan). */
  index?: VectorIndex;
  /** Caches search results. Default: none (every search embeds the query and scans). */
  cache?: SearchResultCache;
  /**
   * Embeds search queries (not stored texts). Default: `embedder`. Lets a query-side embedding cache or a query
   * normalizer sit in front of the API without touching how memories are embedded.
   */
  queryEmbedder?: Embedder;
  /** Prefix of generated ids; ids are `${prefix}${n}` with n counting calls to add(). Default 'm'. */
  idPrefix?: string;
  /**
   * How a namespace or metadata filter is applied. 'index' (default): by the index when its `filtering` is
   * 'native', else by over-fetching and discarding. 'over-fetch': always by over-fetching and discarding, even
   * over an index that filters (the baseline of filtered search: what every search did before indexes filtered).
   */
  filtering?: 'index' | 'over-fetch';
  /** Called after every write that took effect (after the cache heard of it), with the same event. */
  onWrite?: (event: WriteEvent) => void;
  /** The clock of `SearchStatus.computedAt`, in ms. Default performance.now. */
  now?: () => number;
}

/**
 * What one search did, filled in by `search(query, options, status)` in the manner of lru-cache's Status object:
 * a caller learns whether the search computed its result, with which query vector, and when the result it got
 * was computed, without wrapping the memory's parts.
 */
export interface SearchStatus {
  /** True when this search computed its result (embedded the query, asked the index); false when the cache answered it. */
  computed?: boolean;
  /** The query vector it searched with, when it computed. */
  vector?: ArrayLike<number>;
  /** When (options.now) the result returned was computed, by this search or an earlier one; unknown for a result a cache rebuilt. */
  computedAt?: number;
  /** The memory's generation (writes that took effect) when the search was called, and when it returned. */
  generationAtCall?: number;
  generationAtReturn?: number;
}

/** What a memory has done, by operation (exact counters). */
export interface MemoryStats extends FilteredSearchStats {
  adds: number;
  updates: number;
  deletes: number;
  searches: number;
  /** Searches that computed their result (the others were answered by the cache, or joined a running one). */
  computedSearches: number;
  /** Calls of index.search, over-fetch rounds included. */
  indexSearches: number;
}

/** Default number of results of a search. */
export const DEFAULT_TOP_K = 5;

/** Where a new memory goes. */
export interface AddOptions {
  /** The user or conversation the memory belongs to; a search with this `namespace` sees it. Default: none. */
  namespace?: string;
}

/** Where an updated memory goes. */
export interface UpdateOptions {
  /** Moves the memory to this namespace. Default: it stays in its own (an update replaces text and metadata only). */
  namespace?: string;
}

/** One memory of addMany(): its text, with the metadata and namespace add() would take. */
export interface MemoryInput {
  text: string;
  metadata?: Record<string, unknown>;
  /** Default: addMany's `options.namespace`. */
  namespace?: string;
  /**
   * The text's vector, when it was embedded before (memories imported from elsewhere): stored as given, and the
   * text is not sent to the embedder. Default: the embedder embeds it.
   */
  vector?: ArrayLike<number>;
}

/**
 * How filtered searches were answered (exact counters). With an index whose `filtering` is 'native', the index
 * applies the filter; with any other, MemorySystem over-fetches (4 x topK, then 4x more each round until topK
 * matches are found or the whole index was fetched) and discards the hits that do not match: what a report must
 * not call filtered search.
 */
export interface FilteredSearchStats {
  /** Searches with a namespace or metadata filter the index applied itself. */
  nativeFilteredSearches: number;
  /** Searches with a filter MemorySystem applied after the index answered (over-fetch and discard). */
  overFetchedSearches: number;
  /** Index calls those over-fetched searches made (one or more each). */
  overFetchCalls: number;
  /** Hits the index returned to those calls that were discarded (not matching, or no longer stored). */
  discardedHits: number;
}

/** First over-fetch of a search the index cannot filter: this many times topK. */
const OVER_FETCH_FACTOR = 4;

/**
 * The semantic memory that memopt's optimizations modify: `add` embeds and stores a text, `search` embeds a query
 * and returns the nearest stored texts with their scores. The embedder, index and cache are injected, so each
 * scenario variant swaps exactly one part.
 *
 * Ids are assigned when `add` is called (not when its embedding arrives), so concurrent adds get the same ids in
 * every run. A write takes effect when its vector is stored; `generation` counts writes that took effect, and every
 * write tells the cache, so a cache can refuse results computed before it.
 *
 * The index may answer with promises (an out-of-process index); every index call is awaited, but only when it
 * returned a promise: with memopt's synchronous indexes a write takes effect in the same tick as before, so
 * concurrent callers interleave exactly as they did (the search-cache counters depend on that order).
 */
export class MemorySystem {
  readonly embedder: Embedder;
  readonly queryEmbedder: Embedder;
  readonly index: VectorIndex;
  readonly cache: SearchResultCache | undefined;
  private readonly records = new Map<string, MemoryRecord>();
  private readonly idPrefix: string;
  private nextId = 0;
  private writes = 0;
  private readonly filterCounters: FilteredSearchStats = { nativeFilteredSearches: 0, overFetchedSearches: 0, overFetchCalls: 0, discardedHits: 0 };
  private readonly counters = { adds: 0, updates: 0, deletes: 0, searches: 0, computedSearches: 0, indexSearches: 0 };
  private readonly indexFilters: boolean;
  /** The index ranks by text (see VectorIndex.usesText): it gets memory and query texts. */
  private readonly indexUsesText: boolean;
  private readonly onWrite: ((event: WriteEvent) => void) | undefined;
  private readonly now: () => number;
  /** When each computed result was computed, by the result array a cache hands back. */
  private readonly computedAt = new WeakMap<object, number>();

  constructor(options: MemorySystemOptions) {
    this.embedder = options.embedder;
    this.queryEmbedder = options.queryEmbedder ?? options.embedder;
    this.index = options.index ?? new NaiveIndex();
    this.cache = options.cache;
    this.idPrefix = options.idPrefix ?? 'm';
    this.indexFilters = (options.filtering ?? 'index') === 'index' && this.index.filtering === 'native';
    this.indexUsesText = this.index.usesText === true;
    this.onWrite = options.onWrite;
    this.now = options.now ?? (() => performance.now());
  }

  /** Number of writes that have taken effect. */
  get generation(): number {
    return this.writes;
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): MemoryRecord | undefined {
    return this.records.get(id);
  }

  /**
   * Embeds and stores a text; resolves to its id once stored. `metadata` fields that are strings, numbers or booleans
   * can be filtered on; `options.namespace` puts the memory in a user's or conversation's namespace.
   */
  async add(text: string, metadata?: Record<string, unknown>, options: AddOptions = {}): Promise<string> {
    // Refused before the text is embedded (and paid for).
    refuseNul({ namespace: options.namespace, metadata }, 'MemorySystem.add');
    const id = `${this.idPrefix}${this.nextId++}`;
    const vector = await this.embedder.embed(text);
    const stored = this.store(newRecord(id, text, metadata, options.namespace), vector, 'add');
    if (stored) await stored;
    return id;
  }

  /**
   * Adds several memories through the embedder's embedMany (which a batching embedder sends together): texts, or
   * { text, metadata, namespace, vector } items; `options.namespace` is the namespace of items that name none, and
   * an item with its `vector` is stored without being embedded.
   */
  async addMany(items: readonly (string | MemoryInput)[], options: AddOptions = {}): Promise<string[]> {
    const inputs = items.map((item): MemoryInput => (typeof item === 'string' ? { text: item } : item));
    inputs.forEach((input, i) => refuseNul({ namespace: input.namespace ?? options.namespace, metadata: input.metadata }, `MemorySystem.addMany: item ${i}`));
    const ids = inputs.map(() => `${this.idPrefix}${this.nextId++}`);
    const toEmbed = inputs.filter((input) => input.vector === undefined);
    const embedded = toEmbed.length > 0 ? await this.embedder.embedMany(toEmbed.map((input) => input.text)) : [];
    let next = 0;
    for (let i = 0; i < inputs.length; i++) {
      const { text, metadata, namespace = options.namespace, vector = embedded[next++] } = inputs[i];
      const stored = this.store(newRecord(ids[i], text, metadata, namespace), vector, 'add');
      if (stored) await stored;
    }
    return ids;
  }

  /**
   * Replaces the text (and metadata) of an existing memory; rejects if the id is unknown. The memory keeps its
   * namespace unless `options.namespace` moves it.
   */
  async update(id: string, text: string, metadata?: Record<string, unknown>, options: UpdateOptions = {}): Promise<void> {
    if (!this.records.has(id)) throw new RangeError(`MemorySystem.update: no memory with id '${id}'`);
    refuseNul({ namespace: options.namespace, metadata }, `MemorySystem.update('${id}')`);
    const vector = await this.embedder.embed(text);
    const current = this.records.get(id);
    if (!current) throw new RangeError(`MemorySystem.update: memory '${id}' was deleted while embedding`);
    const stored = this.store(newRecord(id, text, metadata, options.namespace ?? current.namespace), vector, 'update');
    if (stored) await stored;
  }

  /**
   * Deletes a memory; resolves to whether it existed. The record goes at once (searches stop returning it); the
   * write event follows the index's removal. With a synchronous index all of it happens before this returns.
   */
  async delete(id: string): Promise<boolean> {
    const deleted = this.records.get(id);
    const existed = this.records.delete(id);
    if (existed) {
      const removed = this.index.remove(id);
      if (isPromise(removed)) await removed;
      this.notify({ kind: 'delete', id, generation: ++this.writes, namespace: deleted?.namespace });
    }
    return existed;
  }

  /**
   * The nearest memories to `query`, best first. `status`, when given, is filled in with what the search did (see
   * SearchStatus); without it the search adds no tick of its own to what the cache and the index take.
   */
  search(query: string, options: SearchOptions = {}, status?: SearchStatus): Promise<MemoryResult[]> {
    try {
      refuseNul(searchFilterOf(options), 'MemorySystem.search');
    } catch (error) {
      return Promise.reject(error);
    }
    this.counters.searches++;
    const compute = () => this.computeSearch(query, options, status);
    if (!status) return this.cache ? this.cache.getOrCompute(query, options, this.writes, compute) : compute();
    status.computed = false;
    status.generationAtCall = this.writes;
    const answer = this.cache ? this.cache.getOrCompute(query, options, this.writes, compute) : compute();
    return answer.then((results) => {
      status.computedAt = this.computedAt.get(results);
      status.generationAtReturn = this.writes;
      return results;
    });
  }

  /** Embeds the query and scans the index, bypassing any cache. */
  async searchUncached(query: string, options: SearchOptions = {}): Promise<MemoryResult[]> {
    const vector = await this.queryEmbedder.embed(query);
    return this.rank(vector, options, query);
  }

  /** Counters of every operation so far (see MemoryStats). */
  stats(): MemoryStats {
    return { ...this.counters, ...this.filterCounters };
  }

  /** What a search computes: the query's embedding, then the index's answer, stamped with when it was computed. */
  private async computeSearch(query: string, options: SearchOptions, status: SearchStatus | undefined): Promise<MemoryResult[]> {
    this.counters.computedSearches++;
    if (status) status.computed = true;
    const vector = await this.queryEmbedder.embed(query);
    if (status) status.vector = vector;
    const stamp = (results: MemoryResult[]) => (this.computedAt.set(results, this.now()), results);
    const ranked = this.rank(vector, options, query);
    return isPromise(ranked) ? ranked.then(stamp) : stamp(ranked);
  }

  /** The nearest memories to an already embedded query, now: no API call, no cache. */
  async searchByVector(vector: ArrayLike<number>, options: SearchOptions = {}): Promise<MemoryResult[]> {
    return this.rank(vector, options);
  }

  /** How filtered searches were answered: by the index, or by over-fetching and discarding (see FilteredSearchStats). */
  filteredSearchStats(): FilteredSearchStats {
    return { ...this.filterCounters };
  }

  /**
   * The index's answer turned into results; synchronous when the index is. A namespace or metadata filter goes to
   * the index when it filters natively; otherwise the index is asked for more than topK (growing until topK match
   * or everything was fetched) and the rest discarded, which the counters record. Each hit is checked against its
   * record either way, so a memory deleted or moved while an async index answered is never returned.
   */
  private rank(vector: ArrayLike<number>, options: SearchOptions, queryText?: string): MaybePromise<MemoryResult[]> {
    // Only an index that ranks by text gets the query's text (others keep their three-argument calls).
    const text = this.indexUsesText && queryText !== undefined ? [queryText] : [];
    const topK = options.topK ?? DEFAULT_TOP_K;
    const filter = searchFilterOf(options);
    refuseNul(filter, 'MemorySystem.search');
    const collect = (found: readonly SearchHit[]): MemoryResult[] => {
      const results: MemoryResult[] = [];
      for (const hit of found) {
        const record = this.records.get(hit.id);
        if (!record || (filter && !matchesSearchFilter(record, filter))) continue;
        results.push({ ...record, score: hit.score });
        if (results.length === topK) break;
      }
      return results;
    };
    if (!filter || this.indexFilters) {
      if (filter) this.filterCounters.nativeFilteredSearches++;
      this.counters.indexSearches++;
      const hits = this.index.search(vector, topK, filter, ...text);
      return isPromise(hits) ? hits.then(collect) : collect(hits);
    }
    if (topK <= 0) return [];
    this.filterCounters.overFetchedSearches++;
    const fetchRound = (fetch: number): MaybePromise<MemoryResult[]> => {
      this.filterCounters.overFetchCalls++;
      this.counters.indexSearches++;
      const hits = text.length > 0 ? this.index.search(vector, fetch, undefined, ...text) : this.index.search(vector, fetch);
      const next = (found: readonly SearchHit[]): MaybePromise<MemoryResult[]> => {
        const results = collect(found);
        const exhausted = found.length < fetch || fetch >= this.index.size;
        if (results.length === topK || exhausted) {
          // Hits ranked after the topK-th match were never looked at: only those looked at and dropped count.
          this.filterCounters.discardedHits += discardedBefore(found, results);
          return results;
        }
        this.filterCounters.discardedHits += found.length - results.length;
        return fetchRound(Math.min(this.index.size, fetch * OVER_FETCH_FACTOR));
      };
      return isPromise(hits) ? hits.then(next) : next(hits);
    };
    return fetchRound(Math.max(1, Math.min(this.index.size, topK * OVER_FETCH_FACTOR)));
  }

  /**
   * Stores a vector; returns a promise only when the index's add did. The write event carries the memory as stored
   * (record and vector) and the namespaces it touched, so a cache can decide what the write changes without asking
   * the index.
   */
  private store(record: MemoryRecord, vector: ArrayLike<number>, kind: 'add' | 'update'): Promise<void> | undefined {
    const added = this.index.add(record.id, vector, entryAttributes(record, this.indexUsesText));
    const commit = () => {
      const previous = this.records.get(record.id);
      this.records.set(record.id, record);
      this.notify({
        kind,
        id: record.id,
        generation: ++this.writes,
        namespace: record.namespace,
        ...(kind === 'update' ? { previousNamespace: previous?.namespace } : {}),
        record,
        vector,
      });
    };
    if (isPromise(added)) return added.then(commit);
    commit();
    return undefined;
  }

  private notify(event: WriteEvent): void {
    this.counters[event.kind === 'add' ? 'adds' : event.kind === 'update' ? 'updates' : 'deletes']++;
    this.cache?.onWrite(event);
    this.onWrite?.(event);
  }
}

/** A record with only the fields given (no `namespace: undefined` key). */
function newRecord(id: string, text: string, metadata: Record<string, unknown> | undefined, namespace: string | undefined): MemoryRecord {
  const record: MemoryRecord = { id, text };
  if (namespace !== undefined) {
    if (typeof namespace !== 'string') throw new TypeError(`MemorySystem: expected namespace to be a string, found ${typeof namespace}`);
    record.namespace = namespace;
  }
  if (metadata !== undefined) record.metadata = metadata;
  refuseNul(record, `MemorySystem: memory '${id}'`);
  return record;
}

/**
 * What the index keeps of a record for filtered search: its namespace and its string, number and boolean fields;
 * and its text, for an index that ranks by text.
 */
function entryAttributes(record: MemoryRecord, withText: boolean): EntryAttributes | undefined {
  let metadata: Record<string, FilterValue> | undefined;
  for (const [name, value] of Object.entries(record.metadata ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') (metadata ??= {})[name] = value;
  }
  if (withText) return { namespace: record.namespace, metadata, text: record.text };
  if (record.namespace === undefined && !metadata) return undefined;
  return { namespace: record.namespace, metadata };
}

/** The index's filter for a search: undefined when it restricts nothing (no namespace, no metadata field). */
function searchFilterOf(options: SearchOptions): SearchFilter | undefined {
  const metadata = options.filter && Object.keys(options.filter).length > 0 ? options.filter : undefined;
  if (options.namespace === undefined && !metadata) return undefined;
  return { namespace: options.namespace, metadata };
}

/** Hits ranked before the last result kept that were dropped (the ones a filtering index would not have sent). */
function discardedBefore(found: readonly SearchHit[], results: readonly MemoryResult[]): number {
  if (results.length === 0) return found.length;
  const lastKept = results[results.length - 1].id;
  const position = found.findIndex((hit) => hit.id === lastKept);
  return position + 1 - results.length;
}
