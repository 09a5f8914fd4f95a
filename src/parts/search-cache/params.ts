/**
 * Result caches' params, as a scenario variant writes them (`{ cache: 'search-cache', maxEntries: 500 }`). Schemas
 * only: the registry (src/parts/registry.ts) builds the cache. A variant may instead bring its own
 * SearchResultCache (a factory).
 */
import { z } from 'zod';

/** No result cache: every search embeds its query and scans. */
export const noCacheParams = z.object({ cache: z.literal('none') }).strict();
/** The seed's cache: exact query strings, FIFO, TTL, no invalidation on writes. */
export const naiveCacheParams = z
  .object({
    cache: z.literal('naive'),
    maxEntries: z.number().int().positive().default(1000),
    ttlMs: z.number().int().min(0).default(300_000),
  })
  .strict();
/** memopt's SearchCache (never stale) with its query embedding cache; options as in SearchCacheOptions. */
export const searchCacheParams = z
  .object({
    cache: z.literal('search-cache'),
    maxEntries: z.number().int().positive().default(1000),
    maxSizeBytes: z.number().int().positive().optional(),
    ttlMs: z.number().int().min(0).default(0),
    invalidation: z.enum(['generation', 'targeted']).default('targeted'),
    embeddingCacheEntries: z.number().int().positive().default(10_000),
  })
  .strict();
