/**
 * Result caches from plain params: what a scenario variant writes (`{ cache: 'search-cache', maxEntries: 500 }`),
 * and the schema that checks it. A variant may instead bring its own SearchResultCache through a factory (see the
 * search-trace driver).
 */
import { z } from 'zod';
import type { Embedder, MemoryRecord, SearchResultCache, VectorIndex } from '../../memory/types.ts';
import { createSearchCaches } from './cached-memory.ts';
import { QueryNormalizingEmbedder } from './embedding-cache.ts';
import type { QueryNormalization } from './keys.ts';
import { NaiveSearchCache } from './naive-cache.ts';

export const searchCacheParamsSchema = z.discriminatedUnion('cache', [
  /** No result cache: every search embeds its query and scans. */
  z.object({ cache: z.literal('none') }).strict(),
  /** The seed's cache: exact query strings, FIFO, TTL, no invalidation on writes. */
  z
    .object({
      cache: z.literal('naive'),
      maxEntries: z.number().int().positive().default(1000),
      ttlMs: z.number().int().min(0).default(300_000),
    })
    .strict(),
  /** memopt's SearchCache (never stale) with its query embedding cache; options as in SearchCacheOptions. */
  z
    .object({
      cache: z.literal('search-cache'),
      maxEntries: z.number().int().positive().default(1000),
      maxSizeBytes: z.number().int().positive().optional(),
      ttlMs: z.number().int().min(0).default(0),
      invalidation: z.enum(['generation', 'targeted']).default('targeted'),
      embeddingCacheEntries: z.number().int().positive().default(10_000),
    })
    .strict(),
]);

export type SearchCacheParams = z.output<typeof searchCacheParamsSchema>;

export interface SearchCacheEnvironment {
  /** Embeds queries (the API); the query embedder returned wraps it. */
  embedder: Embedder;
  /** The memory's index (targeted invalidation reads stored vectors through its get(id), else its scoreTolerance). */
  index: VectorIndex;
  /** The memory's record for an id (targeted invalidation reads filters' metadata from it). */
  record: (id: string) => MemoryRecord | undefined;
  /** Query normalization for the query embedder and the SearchCache's keys. */
  normalization: QueryNormalization;
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
}

/**
 * The cache the params name (undefined for 'none') and the query embedder to give the memory with it: the
 * SearchCache's EmbeddingCache, or the API behind the same query normalization, so every variant embeds the same
 * normalized query.
 */
export function createSearchCache(
  params: SearchCacheParams,
  environment: SearchCacheEnvironment,
): { cache: SearchResultCache | undefined; queryEmbedder: Embedder } {
  const { index, record, normalization } = environment;
  const embedder = environment.queryEmbedderFactory ? environment.queryEmbedderFactory(environment.embedder) : environment.embedder;
  if (params.cache === 'search-cache') {
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
  const queryEmbedder = new QueryNormalizingEmbedder(embedder, normalization);
  if (params.cache === 'naive') return { cache: new NaiveSearchCache({ maxEntries: params.maxEntries, ttlMs: params.ttlMs, ...(environment.now ? { now: environment.now } : {}) }), queryEmbedder };
  return { cache: undefined, queryEmbedder };
}
