import { NaiveIndex } from '../parts/vector-index/naive-index.ts';
import { matchesFilter } from './reference.mjs';
import { isPromise } from '../util/maybe-promise.ts';
import type {
  Embedder,
  MaybePromise,
  MemoryRecord,
  MemoryResult,
  SearchHit,
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
}

/** Default number of results of a search. */
export const DEFAULT_TOP_K = 5;

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

  constructor(options: MemorySystemOptions) {
    this.embedder = options.embedder;
    this.queryEmbedder = options.queryEmbedder ?? options.embedder;
    this.index = options.index ?? new NaiveIndex();
    this.cache = options.cache;
    this.idPrefix = options.idPrefix ?? 'm';
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

  /** Embeds and stores a text; resolves to its id once stored. */
  async add(text: string, metadata?: Record<string, unknown>): Promise<string> {
    const id = `${this.idPrefix}${this.nextId++}`;
    const vector = await this.embedder.embed(text);
    const stored = this.store({ id, text, metadata }, vector, 'add');
    if (stored) await stored;
    return id;
  }

  /** Adds several texts through the embedder's embedMany (which a batching embedder sends together). */
  async addMany(texts: readonly string[]): Promise<string[]> {
    const ids = texts.map(() => `${this.idPrefix}${this.nextId++}`);
    const vectors = await this.embedder.embedMany(texts);
    for (let i = 0; i < texts.length; i++) {
      const stored = this.store({ id: ids[i], text: texts[i] }, vectors[i], 'add');
      if (stored) await stored;
    }
    return ids;
  }

  /** Replaces the text (and metadata) of an existing memory; rejects if the id is unknown. */
  async update(id: string, text: string, metadata?: Record<string, unknown>): Promise<void> {
    if (!this.records.has(id)) throw new RangeError(`MemorySystem.update: no memory with id '${id}'`);
    const vector = await this.embedder.embed(text);
    if (!this.records.has(id)) throw new RangeError(`MemorySystem.update: memory '${id}' was deleted while embedding`);
    const stored = this.store({ id, text, metadata }, vector, 'update');
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

  /** The nearest memories to `query`, best first. */
  search(query: string, options: SearchOptions = {}): Promise<MemoryResult[]> {
    if (!this.cache) return this.searchUncached(query, options);
    return this.cache.getOrCompute(query, options, this.writes, () => this.searchUncached(query, options));
  }

  /** Embeds the query and scans the index, bypassing any cache. */
  async searchUncached(query: string, options: SearchOptions = {}): Promise<MemoryResult[]> {
    const vector = await this.queryEmbedder.embed(query);
    return this.rank(vector, options);
  }

  /** The nearest memories to an already embedded query, now: no API call, no cache. */
  async searchByVector(vector: ArrayLike<number>, options: SearchOptions = {}): Promise<MemoryResult[]> {
    return this.rank(vector, options);
  }

  /** The index's answer turned into results; synchronous when the index is. */
  private rank(vector: ArrayLike<number>, options: SearchOptions): MaybePromise<MemoryResult[]> {
    const topK = options.topK ?? DEFAULT_TOP_K;
    const filter = options.filter;
    // Without a filter the index returns exactly topK; with one, scan everything and filter (the simple, exact way).
    const hits = this.index.search(vector, filter ? this.index.size : topK);
    const toResults = (found: readonly SearchHit[]): MemoryResult[] => {
      const results: MemoryResult[] = [];
      for (const hit of found) {
        const record = this.records.get(hit.id);
        if (!record || (filter && !matchesFilter(record.metadata, filter))) continue;
        results.push({ ...record, score: hit.score });
        if (results.length === topK) break;
      }
      return results;
    };
    return isPromise(hits) ? hits.then(toResults) : toResults(hits);
  }

  /**
   * Stores a vector; returns a promise only when the index's add did. The write event carries the memory as stored
   * (record and vector) and the namespaces it touched, so a cache can decide what the write changes without asking
   * the index (contract C5).
   */
  private store(record: MemoryRecord, vector: ArrayLike<number>, kind: 'add' | 'update'): Promise<void> | undefined {
    const added = this.index.add(record.id, vector);
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
    this.cache?.onWrite(event);
  }
}
