/**
 * One call that wires a memory system with memopt's caches, the way the search-cache scenarios use them: a
 * SearchCache for results and an EmbeddingCache for query vectors, sharing one query normalization, and (for
 * targeted invalidation) an inspector that reads vectors from the index and records from the memory.
 */
import { OptionError } from '../../errors.ts';
import { NaiveIndex } from '../vector-index/naive-index.ts';
import { MemorySystem } from '../../memory/memory-system.ts';
import type { Embedder, MemoryRecord, VectorIndex } from '../../memory/types.ts';
import { EmbeddingCache, type EmbeddingCacheOptions } from './embedding-cache.ts';
import type { QueryNormalization } from './keys.ts';
import { SearchCache, type SearchCacheOptions } from './search-cache.ts';

/** An index that can hand back a stored vector, which targeted invalidation needs (NaiveIndex can). */
export type InspectableIndex = VectorIndex & { get(id: string): ArrayLike<number> | undefined };

export interface CachedMemoryOptions {
  /** Embeds stored texts; also the API behind the embedding cache. */
  embedder: Embedder;
  /** Default a new NaiveIndex. Targeted invalidation needs an index with `get(id)`. */
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
  if (targeted && typeof (index as Partial<InspectableIndex>).get !== 'function') {
    throw new OptionError('cache.invalidation', "'generation' for an index without get(id)", 'targeted');
  }
  const cache = new SearchCache({
    ...options.cache,
    normalization,
    inspector: targeted
      ? {
          queryVector: (normalized) => embeddings.peekNormalized(normalized),
          memoryVector: (id) => (index as InspectableIndex).get(id),
          record: options.record,
        }
      : undefined,
  });
  return { cache, embeddings };
}
