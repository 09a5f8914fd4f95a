/** Counters the caches keep. Exact, so scenarios can gate on them. */

export interface SearchCacheStats {
  /** Calls to getOrCompute: hits + inflightJoins + misses. */
  lookups: number;
  /** Served from a stored, valid, unexpired entry. */
  hits: number;
  /** Joined a computation already running for the same key (no second embedding, no second scan). */
  inflightJoins: number;
  /** Started a computation (the caller's `compute`). */
  misses: number;
  /** Found an entry computed before a write that invalidated it, refused it, and recomputed (a miss too). */
  staleRejects: number;
  /** Entries removed because a write could change their result (targeted invalidation only). */
  invalidations: number;
  /** Entries dropped to stay within maxEntries / maxSizeBytes. */
  evictions: number;
  /** Entries dropped because their TTL ran out (counted when found: lru-cache purges lazily). */
  expirations: number;
  /** Computations that rejected; nothing is cached for them. */
  computeErrors: number;
  /** Entries held now (expired ones not yet found included). */
  entries: number;
  /** Estimated bytes held now; 0 unless maxSizeBytes is set. */
  sizeBytes: number;
  /** (hits + inflightJoins) / lookups: an in-flight join costs no API request, so it counts as a hit. 0 if no lookups. */
  hitRate: number;
}

export interface EmbeddingCacheStats {
  /** Texts asked for (embed calls + embedMany items). */
  lookups: number;
  /** Served from a stored vector. */
  hits: number;
  /** Joined a request already running for the same normalized text. */
  inflightJoins: number;
  /** Sent to the wrapped embedder. */
  misses: number;
  evictions: number;
  entries: number;
  /** (hits + inflightJoins) / lookups; 0 if no lookups. */
  hitRate: number;
}

export function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
