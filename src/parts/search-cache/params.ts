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
/**
 * SearchCache with a semantic tier in front (SemanticSearchCache): a query within the policy's threshold of a cached
 * query's embedding reuses its result. `policy` 'fixed' serves at similarity >= `threshold`; 'adaptive' learns
 * per-entry thresholds online to meet `errorBound` (vCache's method; see threshold-policy.ts). Invalidation is the
 * exact tier's (targeted by default).
 */
export const semanticCacheParams = z
  .object({
    cache: z.literal('semantic'),
    maxEntries: z.number().int().positive().default(1000),
    maxSizeBytes: z.number().int().positive().optional(),
    ttlMs: z.number().int().min(0).default(0),
    invalidation: z.enum(['generation', 'targeted']).default('targeted'),
    embeddingCacheEntries: z.number().int().positive().default(10_000),
    policy: z.enum(['fixed', 'adaptive']).default('fixed'),
    /** Cosine similarity at or above which 'fixed' serves a cached query's result. */
    threshold: z.number().min(-1).max(1).default(0.95),
    /** The error bound of 'adaptive', in (0, 1). */
    errorBound: z.number().gt(0).lt(1).default(0.01),
    /** 'adaptive': learn a threshold per cached entry (vCache) or one for all entries from pooled observations. */
    observations: z.enum(['entry', 'global']).default('entry'),
    /** Verified observations an entry needs before 'adaptive' lets it serve. */
    minObservations: z.number().int().positive().default(6),
    /** Refuse hits between queries that differ in numbers, named entities or negation. */
    guard: z.boolean().default(false),
    /** Share of would-be hits verified against a fresh search. */
    verifyShare: z.number().min(0).max(1).default(0),
    answerMatch: z.enum(['ids-set', 'ids-ordered']).default('ids-set'),
    /** Seed of the verification and exploration draws. */
    seed: z.number().int().default(0),
  })
  .strict();
