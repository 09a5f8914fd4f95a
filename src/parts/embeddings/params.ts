/**
 * Embedders' params, as a scenario variant writes them (`{ embedder: 'batch', maxBatchSize: 64 }`). Schemas only:
 * the registry (src/parts/registry.ts) builds the embedder. A variant may instead bring its own Embedder (a factory).
 */
import { z } from 'zod';

/** BatchEmbedder's default maxBatchSize (its options doc), for the cross-field check below. */
export const DEFAULT_MAX_BATCH_SIZE = 256;

/** One request per text (the SDK's own retries). */
export const naiveEmbedderParams = z.object({ embedder: z.literal('naive') }).strict();
/** Concurrent calls batched into few requests; each option as in BatchEmbedderOptions (defaults there). */
export const batchEmbedderParams = z
  .object({
    embedder: z.literal('batch'),
    maxBatchSize: z.number().int().min(1).max(2048).optional(),
    maxWaitMs: z.number().min(0).optional(),
    maxQueueSize: z.number().int().min(1).optional(),
    maxConcurrentRequests: z.number().int().min(1).optional(),
    maxRetries: z.number().int().min(0).optional(),
  })
  .strict()
  // BatchEmbedder's own rule, checked here so a scenario fails validation rather than its run.
  .refine((p) => p.maxQueueSize === undefined || p.maxQueueSize >= (p.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE), {
    path: ['maxQueueSize'],
    message: 'expected maxQueueSize >= maxBatchSize (default 256), so a batch can fill',
  });
