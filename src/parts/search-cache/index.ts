/**
 * Search caching: memopt's SearchCache (LRU + TTL on lru-cache, canonical keys, in-flight sharing, never stale)
 * beside the seed's naive cache, and the query embedding cache. The offline bounds a measured hit rate is compared
 * with (infinite cache, Belady's MIN) are analysis, in src/analysis/.
 */
export {
  SearchCache,
  estimateEntryBytes,
  type SearchCacheOptions,
  type EntryOptions,
  type InvalidationPolicy,
  type CacheInspector,
} from './search-cache.ts';
/** The exact cosine the targeted invalidation scores with (the reference module's). */
export { cosine } from '../../memory/reference.mjs';
export { NaiveSearchCache, type NaiveSearchCacheOptions, type NaiveSearchCacheStats } from './naive-cache.ts';
export { EmbeddingCache, QueryNormalizingEmbedder, type EmbeddingCacheOptions } from './embedding-cache.ts';
export {
  createCachedMemory,
  createSearchCaches,
  type CachedMemory,
  type CachedMemoryOptions,
  type SearchCachesOptions,
  type InspectableIndex,
} from './cached-memory.ts';
export { measureHitCost, type HitCostOptions, type HitCostResult } from './hit-bench.ts';
export { canonicalKey, canonicalOptions, normalizeQuery, parseKey, stableStringify, type QueryNormalization } from './keys.ts';
export type { SearchCacheStats, EmbeddingCacheStats } from './stats.ts';
export { SemanticSearchCache, sameAnswer, type SemanticSearchCacheOptions, type SemanticCacheStats, type SemanticLookup, type AnswerMatch } from './semantic-cache.ts';
export { FixedThreshold, AdaptiveThreshold, EntryObservations, fitThreshold, type ThresholdPolicy, type SemanticDecision, type ThresholdFit } from './threshold-policy.ts';
export { guardRefusal, queryFacts, type GuardReason } from './query-guard.ts';
