/**
 * One memory as data: `{ embedder, cache, index }`, each registry params (or a factory returning the part), built
 * by the registry into a MemorySystem. A scenario or a program describes a whole stack this way (the naive stack:
 * `{ embedder: { embedder: 'naive' }, cache: { cache: 'none' }, index: { index: 'flat' } }`; an optimized one:
 * batching, the search cache, a compressed index or pgvector), so workloads compare whole stacks, not one part at
 * a time.
 *
 *   const { memory, close } = await buildMemory({ embedder: { embedder: 'batch' }, index: { index: 'flat' } }, { client, model });
 */
import { z } from 'zod';
import type OpenAI from 'openai';
import { MemorySystem } from '../memory/memory-system.ts';
import type { Embedder, SearchResultCache, VectorIndex } from '../memory/types.ts';
import { settle } from '../util/maybe-promise.ts';
import type { QueryNormalization } from './search-cache/keys.ts';
import {
  cacheParamsSchema,
  createCache,
  createEmbedder,
  createIndex,
  embedderParamsSchema,
  indexParamsSchema,
  type CacheParams,
  type EmbedderParams,
  type IndexParams,
  type StoreConnections,
} from './registry.ts';

/** What a pipeline's factories get: the same environment the registry builds memopt's parts with. */
export interface PipelineEnvironment {
  /** The client embedders call (from the run's endpoint). */
  client: OpenAI;
  model: string;
  dimensions?: number;
  /** Memories the index will hold, to preallocate. */
  capacity?: number;
  /** Where stores live (pgvector); needed only for a store. */
  stores?: StoreConnections;
  /** Query normalization of the query embedder and the cache keys. Default: none. */
  normalization?: QueryNormalization;
  /** Random source of a batching embedder's retry jitter (seeded by a driver). */
  random?: () => number;
  /**
   * The memory's clock in ms: cache TTLs and MemorySystem's `computedAt` read it. Default: the parts' own
   * (performance.now). A driver replaying a trace passes the trace's virtual time, so expiry follows the trace.
   */
  now?: () => number;
}

/** A part given as a factory instead of params: a user's own, or one memopt's registry does not build. */
export type PartFactory<T> = (environment: PipelineEnvironment) => T | Promise<T>;

const factory = z.custom<PartFactory<unknown>>((value) => typeof value === 'function', 'a factory function');

/** The pipeline's schema: params for each part (defaults filled), or a factory in its place. */
export const memoryPipelineSchema = z
  .object({
    embedder: z.union([embedderParamsSchema, factory]),
    /** Default: no cache. */
    cache: z.union([cacheParamsSchema, factory]).default({ cache: 'none' }),
    index: z.union([indexParamsSchema, factory]),
  })
  .strict();
export type MemoryPipelineInput = z.input<typeof memoryPipelineSchema>;

/** A validated pipeline: params, or factories typed by the part they return. */
export interface MemoryPipeline {
  embedder: EmbedderParams | PartFactory<Embedder>;
  cache: CacheParams | PartFactory<SearchResultCache | undefined>;
  index: IndexParams | PartFactory<VectorIndex>;
}

/** A built memory and how to release what it holds. */
export interface BuiltMemory {
  memory: MemorySystem;
  /** Closes the embedder and the query embedder, and the index (dropping what a store keeps elsewhere). */
  close(): Promise<void>;
}

/**
 * Validates the pipeline (an InputError-worthy ZodError names the field), builds its parts through the registry (factories called with the same environment) and joins them in a
 * MemorySystem. The index is fitted on nothing: an index that needs a fit (sq8, compressed, binary) is fitted by the
 * caller before the first add, as every driver does.
 */
export async function buildMemory(spec: MemoryPipelineInput | MemoryPipeline, environment: PipelineEnvironment): Promise<BuiltMemory> {
  const pipeline = memoryPipelineSchema.parse(spec) as MemoryPipeline;
  const { client, model, dimensions, capacity, stores, random } = environment;
  const embedder = typeof pipeline.embedder === 'function' ? await pipeline.embedder(environment) : await createEmbedder(pipeline.embedder, { client, model, dimensions, random });
  const index = typeof pipeline.index === 'function' ? await pipeline.index(environment) : await createIndex(pipeline.index, { capacity, dimensions, stores });
  let memory: MemorySystem | undefined;
  const record = (id: string) => memory?.get(id);
  const built = await createCache(typeof pipeline.cache === 'function' ? { cache: 'none' } : pipeline.cache, { embedder, index, record, normalization: environment.normalization, ...(environment.now ? { now: environment.now } : {}) });
  const cache = typeof pipeline.cache === 'function' ? await pipeline.cache(environment) : built.cache;
  memory = new MemorySystem({ embedder, queryEmbedder: built.queryEmbedder, index, cache, ...(environment.now ? { now: environment.now } : {}) });
  return {
    memory,
    async close() {
      await embedder.close();
      await settle(index.close?.({ drop: true }));
    },
  };
}
