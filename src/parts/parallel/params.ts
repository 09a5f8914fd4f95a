/**
 * Parallel processing's params, as scenarios write them. Schemas only: the registry (src/parts/registry.ts) builds
 * the processor, the shared index and the batch searcher.
 */
import { z } from 'zod';

/** How a batch of API-bound operations runs: one after another, or at most `concurrency` in flight (ParallelProcessor). */
export const processorParamsSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('sequential') }).strict(),
  z.object({ mode: z.literal('concurrent'), concurrency: z.number().int().min(1).max(1024) }).strict(),
]);

/** An index in shared memory that worker threads map (SharedVectorIndex): exact search, float32 rows. */
export const sharedIndexParams = z.object({ index: z.literal('shared') }).strict();

/** How a batch of CPU-bound searches runs: the main thread's batched kernel, or split over `workers` threads. */
export const batchSearcherParamsSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('main-thread') }).strict(),
  z.object({ mode: z.literal('workers'), workers: z.number().int().min(1).max(256) }).strict(),
]);
