/**
 * Embedders: the naive baseline (one request per text, the SDK's retries) and the BatchEmbedder (concurrent calls
 * batched into few requests, bounded queue and concurrency, its own retries).
 */
export { NaiveEmbedder, type NaiveEmbedderOptions } from './naive-embedder.ts';
export {
  BatchEmbedder,
  API_MAX_INPUTS,
  type BatchEmbedderOptions,
  type BatchEmbedderSettings,
  type BatchEmbedderStats,
} from './batch-embedder.ts';
export type { EmbedderBaseOptions, Timers } from './options.ts';
export { measureBatcherOverhead, type OverheadOptions, type OverheadResult } from './overhead-bench.ts';
export { createEmbedder, embedderParamsSchema, type EmbedderEnvironment, type EmbedderParams } from './create.ts';
