/**
 * Embedders from plain params: what a scenario variant writes (`{ embedder: 'batch', maxBatchSize: 64 }`), and the
 * schema that checks it. A variant may instead bring its own Embedder through a factory (see the ingest driver).
 */
import { z } from 'zod';
import type OpenAI from 'openai';
import type { Embedder } from '../../memory/types.ts';
import { BatchEmbedder } from './batch-embedder.ts';
import { NaiveEmbedder } from './naive-embedder.ts';

/** BatchEmbedder's default maxBatchSize (its options doc), for the cross-field check below. */
const DEFAULT_MAX_BATCH_SIZE = 256;

export const embedderParamsSchema = z.discriminatedUnion('embedder', [
  /** One request per text (the SDK's own retries). */
  z.object({ embedder: z.literal('naive') }).strict(),
  /** Concurrent calls batched into few requests; each option as in BatchEmbedderOptions (defaults there). */
  z
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
    }),
]);

export type EmbedderParams = z.output<typeof embedderParamsSchema>;

export interface EmbedderEnvironment {
  /** The client to call (from the run's endpoint). */
  client: OpenAI;
  model: string;
  dimensions?: number;
  /** Random source for the BatchEmbedder's retry jitter. Default: the BatchEmbedder's own, seeded with a constant. */
  random?: () => number;
}

/** A NaiveEmbedder or a BatchEmbedder, as the params say. */
export function createEmbedder(params: EmbedderParams, environment: EmbedderEnvironment): Embedder {
  const base = { client: environment.client, model: environment.model, dimensions: environment.dimensions };
  if (params.embedder === 'naive') return new NaiveEmbedder(base);
  const { embedder: _kind, ...options } = params;
  return new BatchEmbedder({ ...base, ...options, ...(environment.random ? { random: environment.random } : {}) });
}
