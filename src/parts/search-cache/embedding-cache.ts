/**
 * Query-side embedders: `EmbeddingCache` (text to vector, LRU, in-flight sharing) and `QueryNormalizingEmbedder`
 * (the same normalization, no cache: what a baseline uses so that it answers exactly the same queries).
 *
 * Both embed the *normalized* text (keys.ts: NFC, trimmed, whitespace collapsed, optionally lower-cased), so
 * 'Paris  trip' and 'paris trip' get one vector whichever arrives first. That is what makes it correct for the
 * SearchCache to file both under one key. A vector depends on the text and the model only, never on the memory's
 * contents, so embeddings are never invalidated by writes; the cache is bounded by entries (and optionally a TTL).
 *
 * Put it in front of the API for queries only (MemorySystemOptions.queryEmbedder): stored texts are embedded as
 * written, and are rarely embedded twice.
 */
import { LRUCache } from 'lru-cache';
import { OptionError } from '../../errors.ts';
import type { Embedder, EmbedderStats, Embedding } from '../../memory/types.ts';
import { normalizeQuery, type QueryNormalization } from './keys.ts';
import { ttlClock } from './search-cache.ts';
import { ratio, type EmbeddingCacheStats } from './stats.ts';

/** Embeds the normalized text through another embedder; no cache. Stats are the wrapped embedder's. */
export class QueryNormalizingEmbedder implements Embedder {
  readonly normalization: QueryNormalization;
  constructor(
    readonly inner: Embedder,
    normalization: QueryNormalization = {},
  ) {
    this.normalization = { caseFold: normalization.caseFold ?? false };
  }
  get model(): string {
    return this.inner.model;
  }
  get dimensions(): number | undefined {
    return this.inner.dimensions;
  }
  embed(text: string): Promise<Embedding> {
    return this.inner.embed(normalizeQuery(text, this.normalization));
  }
  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return this.inner.embedMany(texts.map((text) => normalizeQuery(text, this.normalization)));
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  stats(): EmbedderStats {
    return this.inner.stats();
  }
}

export interface EmbeddingCacheOptions {
  /** Most vectors kept (LRU). Default 10,000 (60 MiB of 1536-d doubles). Must be a positive integer. */
  maxEntries?: number;
  /** Time to live of a vector in ms; 0 = no expiry. Default 0: a model's vector for a text does not change. */
  ttlMs?: number;
  /** Normalization applied before lookup and before embedding. Default: no case folding. */
  normalization?: QueryNormalization;
  /** Clock in ms for TTLs (tests). Default lru-cache's. */
  now?: () => number;
}

/**
 * An Embedder that remembers vectors by normalized text. Concurrent calls for the same text share one request to
 * the wrapped embedder; a failed request rejects its callers and caches nothing.
 *
 * Every caller of a text shares one vector array: do not mutate it. It is deliberately not frozen: V8 keeps a frozen
 * number[] with boxed elements, and a NaiveIndex scan with a frozen query vector measured 8x slower.
 */
export class EmbeddingCache implements Embedder {
  readonly inner: Embedder;
  readonly normalization: QueryNormalization;
  private readonly lru: LRUCache<string, Embedding>;
  private readonly inflight = new Map<string, Promise<Embedding>>();
  private readonly counts = { lookups: 0, hits: 0, inflightJoins: 0, misses: 0, evictions: 0 };

  constructor(inner: Embedder, options: EmbeddingCacheOptions = {}) {
    this.inner = inner;
    const maxEntries = options.maxEntries ?? 10_000;
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
      throw new OptionError('maxEntries', 'a positive integer', options.maxEntries);
    }
    const ttlMs = options.ttlMs ?? 0;
    if (!(Number.isInteger(ttlMs) && ttlMs >= 0)) {
      throw new OptionError('ttlMs', 'a non-negative integer number of milliseconds (0 = no expiry)', options.ttlMs);
    }
    this.normalization = { caseFold: options.normalization?.caseFold ?? false };
    this.lru = new LRUCache<string, Embedding>({
      max: maxEntries,
      ttl: ttlMs,
      ...ttlClock(options.now),
      dispose: (_vector, _key, reason) => {
        if (reason === 'evict') this.counts.evictions++;
      },
    });
  }

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number | undefined {
    return this.inner.dimensions;
  }

  embed(text: string): Promise<Embedding> {
    this.counts.lookups++;
    const key = normalizeQuery(text, this.normalization);
    const stored = this.lru.get(key);
    if (stored !== undefined) {
      this.counts.hits++;
      return Promise.resolve(stored);
    }
    const running = this.inflight.get(key);
    if (running !== undefined) {
      this.counts.inflightJoins++;
      return running;
    }
    this.counts.misses++;
    return this.request(key);
  }

  /** Vectors in input order; the texts not stored are sent to the wrapped embedder's embedMany together. */
  async embedMany(texts: readonly string[]): Promise<Embedding[]> {
    const out: Array<Embedding | Promise<Embedding>> = new Array(texts.length);
    const missing: string[] = [];
    const missingAt = new Map<string, number[]>();
    texts.forEach((text, i) => {
      this.counts.lookups++;
      const key = normalizeQuery(text, this.normalization);
      const stored = this.lru.get(key);
      if (stored !== undefined) {
        this.counts.hits++;
        out[i] = stored;
        return;
      }
      const running = this.inflight.get(key);
      if (running !== undefined) {
        this.counts.inflightJoins++;
        out[i] = running;
        return;
      }
      const waiting = missingAt.get(key);
      if (waiting) {
        this.counts.inflightJoins++;
        waiting.push(i);
        return;
      }
      this.counts.misses++;
      missing.push(key);
      missingAt.set(key, [i]);
    });
    if (missing.length > 0) {
      const batch = this.inner.embedMany(missing);
      missing.forEach((key, j) => {
        const promise = this.track(key, batch.then((vectors) => vectors[j]));
        for (const i of missingAt.get(key)!) out[i] = promise;
      });
    }
    return Promise.all(out);
  }

  /** The stored vector of a text (normalized here), without counting a lookup or touching recency. */
  peek(text: string): Embedding | undefined {
    return this.lru.peek(normalizeQuery(text, this.normalization));
  }

  /** Stored vector for a text that is already normalized (no second normalization). */
  peekNormalized(normalized: string): Embedding | undefined {
    return this.lru.peek(normalized);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The wrapped embedder's counters (what reached the API), with this cache's hits (joins included) and misses. */
  stats(): EmbedderStats {
    const c = this.counts;
    return { ...this.inner.stats(), cacheHits: c.hits + c.inflightJoins, cacheMisses: c.misses };
  }

  cacheStats(): EmbeddingCacheStats {
    const c = this.counts;
    return { ...c, entries: this.lru.size, hitRate: ratio(c.hits + c.inflightJoins, c.lookups) };
  }

  private request(key: string): Promise<Embedding> {
    let promise: Promise<Embedding>;
    try {
      promise = Promise.resolve(this.inner.embed(key));
    } catch (error) {
      promise = Promise.reject(error);
    }
    return this.track(key, promise);
  }

  private track(key: string, promise: Promise<Embedding>): Promise<Embedding> {
    const shared = promise.then(
      (vector) => {
        if (this.inflight.get(key) === shared) this.inflight.delete(key);
        this.lru.set(key, vector);
        return vector;
      },
      (error: unknown) => {
        if (this.inflight.get(key) === shared) this.inflight.delete(key);
        throw error;
      },
    );
    this.inflight.set(key, shared);
    return shared;
  }
}
