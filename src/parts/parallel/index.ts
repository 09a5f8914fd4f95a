/** Parallel processing: bounded concurrency for API-bound work, worker threads over a shared index for CPU-bound search. */
export {
  ParallelProcessor,
  parallelMap,
  DEFAULT_CONCURRENCY,
  type FailureMode,
  type MapFn,
  type MapOptions,
  type ParallelProcessorOptions,
  type ParallelProcessorStats,
  type Settled,
} from './processor.ts';
export {
  SharedVectorIndex,
  type IndexSnapshot,
  type SharedIndexBuffers,
  type SharedVectorIndexOptions,
} from './shared-index.ts';
export {
  WorkerPoolSearcher,
  type SearchCallOptions,
  type WorkerPoolSearcherOptions,
  type WorkerPoolSearcherStats,
} from './worker-searcher.ts';
