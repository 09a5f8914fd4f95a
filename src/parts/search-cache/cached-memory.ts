/**
 * One call that wires a memory system with memopt's caches, the way the search-cache scenarios use them: a
 * SearchCache for results and an EmbeddingCache for query vectors, sharing one query normalization, and (for
 * targeted invalidation) an inspector that reads query vectors from the embedding cache, stored vectors from the
 * index when it can hand them back synchronously (`get(id)`), and records from the memory. An index without
 * `get(id)` (a database such as PgVectorIndex) leaves the stored vector to the write event (`event.vector`), and
 * the cache's `scoreMargin` must then cover how far the index's scores are from the reference cosine of the vectors
 * it was given: the index's own `scoreTolerance` when it states one (PgVectorIndex with exact search), or the
 * caller's `cache.scoreMargin`. An index with `get(id)` that states a `scoreTolerance` (FlatIndex, which scores in
 * float32) gets that margin too.
 */
import { OptionError } from '../../errors.ts';
import { NaiveIndex } from '../vector-index/naive-index.ts';
import { MemorySystem } from '../../memory/memory-system.ts';
import type { Embedder, MemoryRecord, VectorIndex } from '../../memory/types.ts';
import { EmbeddingCache, type EmbeddingCacheOptions } from './embedding-cache.ts';
import type { QueryNormalization } from './keys.ts';
import { SearchCache, type SearchCacheOptions } from './search-cache.ts';

/** An index that can hand back a stored vector, exactly as it scores it (NaiveIndex, FlatIndex can). */
export type InspectableIndex = VectorIndex & { get(id: string): ArrayLike<number> | undefined };

/**
 * An index that states how far its scores can be from the reference cosine of the vectors it was given, or
 * undefined when its results are approximate (PgVectorIndex: pgvectorScoreMargin for an exact search).
 */
export type ScoreToleranceIndex = VectorIndex & { readonly scoreTolerance: number | undefined };

export interface CachedMemoryOptions {
  /** Embeds stored texts; also the API behind the embedding cache. */
  embedder: Embedder;
  /**
   * Default a new NaiveIndex. Targeted invalidation needs an index with `get(id)`, or one that states its
   * `scoreTolerance` (PgVectorIndex with exact search), or a `cache.scoreMargin` from the caller.
   */
  index?: VectorIndex;
  /** Query normalization for both caches. Default: no case folding. */
  normalization?: QueryNormalization;
  /** SearchCache options (its normalization and inspector are set here). */
  cache?: Omit<SearchCacheOptions, 'normalization' | 'inspector'>;
  /** EmbeddingCache options (its normalization is set here). */
  embeddingCache?: Omit<EmbeddingCacheOptions, 'normalization'>;
  idPrefix?: string;
}

export interface CachedMemory {
  memory: MemorySystem;
  cache: SearchCache;
  embeddings: EmbeddingCache;
}

export function createCachedMemory(options: CachedMemoryOptions): CachedMemory {
  const index = options.index ?? new NaiveIndex();
  // The inspector reads the memory lazily, so the caches can be created before the memory they inspect.
  let memory: MemorySystem | undefined;
  const { cache, embeddings } = createSearchCaches({ ...options, index, record: (id) => memory?.get(id) });
  memory = new MemorySystem({ embedder: options.embedder, queryEmbedder: embeddings, index, cache, idPrefix: options.idPrefix });
  return { memory, cache, embeddings };
}

export interface SearchCachesOptions extends Omit<CachedMemoryOptions, 'idPrefix' | 'index'> {
  index: VectorIndex;
  /** The memory's record for an id (targeted invalidation reads filters' metadata from it). */
  record: (id: string) => MemoryRecord | undefined;
}

/**
 * The two caches without the memory system, for callers that build the memory themselves (e.g. to wrap the cache):
 * pass `embeddings` as the memory's `queryEmbedder` and `cache` (or a wrapper of it) as its `cache`.
 */
export function createSearchCaches(options: SearchCachesOptions): { cache: SearchCache; embeddings: EmbeddingCache } {
  const index = options.index;
  const normalization = { caseFold: options.normalization?.caseFold ?? false };
  const embeddings = new EmbeddingCache(options.embedder, { ...options.embeddingCache, normalization });
  const targeted = options.cache?.invalidation === 'targeted';
  const inspectable = typeof (index as Partial<InspectableIndex>).get === 'function';
  let scoreMargin = options.cache?.scoreMargin;
  if (targeted && index.usesText) {
    // Targeted invalidation decides by the cosine of the query and the written vector; a text-ranked index's results
    // (BM25, fused ranks) can change whatever that cosine is.
    throw new OptionError('cache.invalidation', "'generation' for an index that ranks by text (keyword, hybrid)", 'targeted');
  }
  if (targeted && inspectable && scoreMargin === undefined && 'scoreTolerance' in index) {
    // Its stored vectors are exact, but it scores them in lower precision (FlatIndex: float32 rows and sums), and
    // its tolerance may depend on a width it learns from its first vector: read it at every decision.
    const tolerant = index as ScoreToleranceIndex;
    if (tolerant.scoreTolerance === undefined) {
      throw new OptionError('cache.invalidation', "'generation' for an index whose search is approximate (its scoreTolerance is undefined)", 'targeted');
    }
    scoreMargin = () => tolerant.scoreTolerance ?? 0;
  } else if (targeted && !inspectable && scoreMargin === undefined) {
    // The event's vector is what the index was given; its scores may differ from the reference cosine of it.
    if (!('scoreTolerance' in index)) {
      throw new OptionError(
        'cache.scoreMargin',
        "with invalidation 'targeted' and an index without get(id), the most its scores can differ from the reference cosine (or invalidation 'generation')",
        undefined,
      );
    }
    scoreMargin = (index as ScoreToleranceIndex).scoreTolerance;
    if (scoreMargin === undefined) {
      throw new OptionError('cache.invalidation', "'generation' for an index whose search is approximate (its scoreTolerance is undefined)", 'targeted');
    }
  }
  const cache = new SearchCache({
    ...options.cache,
    scoreMargin,
    normalization,
    inspector: targeted
      ? {
          queryVector: (normalized) => embeddings.peekNormalized(normalized),
          ...(inspectable ? { memoryVector: (id: string) => (index as InspectableIndex).get(id) } : {}),
          record: options.record,
        }
      : undefined,
  });
  return { cache, embeddings };
}
