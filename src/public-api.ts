/**
 * memopt's public API, the package root (`import { ... } from 'memopt'`): the memory system and its part
 * interfaces, each optimization beside its baseline with a factory from plain params, the embeddings endpoint
 * kinds, every workload driver and defineScenario. Scenario and example files import only from here.
 */
export * from './errors.ts';

// The memory system and the part interfaces a user's own part implements (Embedder, VectorIndex, SearchResultCache).
export type * from './memory/types.ts';
export {
  MemorySystem,
  DEFAULT_TOP_K,
  type MemorySystemOptions,
  type AddOptions,
  type UpdateOptions,
  type MemoryInput,
  type FilteredSearchStats,
} from './memory/memory-system.ts';
// Record and replay: a live memory's calls logged as an agent-memory trace (src/datasets/agent-trace.ts).
export {
  recordMemory,
  type RecordableMemory,
  type RecordedCall,
  type RecordedMemory,
  type RecordMemoryOptions,
  type TraceRecording,
  type TraceSink,
} from './memory/record-memory.ts';

// Parts: each optimization beside its baseline, and the registry that builds any of them from plain params.
export {
  indexParamsSchema,
  vectorIndexParamsSchema,
  type VectorIndexParams,
  embedderParamsSchema,
  cacheParamsSchema,
  processorParamsSchema,
  createIndex,
  createEmbedder,
  createCache,
  createProcessor,
  buildKeyOf,
  searchSettingsOf,
  isExactIndex,
  REGISTERED_KINDS,
  INDEX_KINDS,
  StoreConnections,
  createBatchSearcher,
  batchSearcherParamsSchema,
  type BatchSearcher,
  type BatchSearcherParams,
  type IndexParams,
  type IndexParamsInput,
  type IndexKind,
  type IndexEnvironment,
  type EmbedderParams,
  type EmbedderKind,
  type EmbedderEnvironment,
  type CacheParams,
  type CacheKind,
  type CacheEnvironment,
  type BuiltCache,
  type ProcessorParams,
  type Processor,
} from './parts/registry.ts';
export { pgvectorParams, type PgvectorParams } from './parts/vector-store/params.ts';
export { buildMemory, memoryPipelineSchema, type MemoryPipeline, type MemoryPipelineInput, type BuiltMemory, type PipelineEnvironment, type PartFactory } from './parts/pipeline.ts';
export * from './parts/vector-index/index.ts';
export * from './parts/vector-store/index.ts';
export * from './parts/embeddings/index.ts';
export * from './parts/search-cache/index.ts';
export * from './parts/parallel/index.ts';
export * from './parts/text-index/index.ts';

// Analysis: what a measured figure is compared with (offline cache bounds, embedding geometry).
export { beladyBound, infiniteCacheBound, lruHits, lruHitsForEvents, versionedRequests, type BoundResult, type CacheTraceEvent } from './analysis/belady.ts';
export { cacheEventsForTrace, type TraceEventOp, type TraceEventsOptions } from './analysis/trace-events.ts';
export { CacheBounds, type Bounds } from './analysis/cache-bounds.ts';
export { embeddingGeometry, mockVsRealTable, neighbourAgreement, type Geometry, type GeometryInput, type GeometryOptions } from './analysis/mock-vs-real.ts';
export { embeddingStats } from './analysis/embedding-stats.ts';

// Embeddings endpoints: the interface and its kinds (the in-process mock, memopt's server, any OpenAI-compatible URL),
// the cost guard, the real text-embedding models, and users' own vector files.
export type * from './endpoint/types.ts';
export { startInProcessEndpoint, mockReferenceVectors, type InProcessEndpoint } from './endpoint/in-process-endpoint.ts';
export * from './endpoint/emulated-api/index.ts';
// The old names, from before the emulated API stopped being called "mock" (CHANGELOG): kept so code written against
// them still runs. "mock" now names only the generative model (mockReferenceVectors, MOCK_MODEL_VERSION).
export {
  /** @deprecated startInProcessEndpoint */ startInProcessEndpoint as startMockEndpoint,
  /** @deprecated InProcessEndpoint */ type InProcessEndpoint as MockEndpoint,
} from './endpoint/in-process-endpoint.ts';
export {
  /** @deprecated startEmulatedApi */ startEmulatedApi as startMockApi,
  /** @deprecated EmulatedApi */ type EmulatedApi as MockApi,
  /** @deprecated EmulatedApiConfig */ type EmulatedApiConfig as MockApiConfig,
  /** @deprecated EmulatedApiConfigInput */ type EmulatedApiConfigInput as MockApiConfigInput,
} from './endpoint/emulated-api/index.ts';
export * from './endpoint/models/index.ts';
export {
  encodeNpy,
  formatOf,
  loadVectorSets,
  readVectorFile,
  validateVectorFile,
  writeNpy,
  type VectorFileFormat,
  type VectorFileSummary,
  type VectorMatrix,
  type VectorSets,
  type VectorSetsSource,
} from './datasets/vector-files.ts';

// The harness: scenarios and the drivers that run them.
export { defineScenario } from './harness/scenario-schema.ts';
// memopt's shipped data (datasets/) by absolute path; a scenario's own relative paths resolve against its folder.
export { shippedDataPath, DEFAULT_DATASET_DIR } from './datasets/defaults.ts';
export type * from './harness/types.ts';
export { isFactoryVariant } from './harness/factory-variant.ts';
export {
  ingestDriver,
  type IngestWorkload,
  type IngestVariant,
  type EmbedderFactory,
  type EmbedderFactoryContext,
} from './drivers/ingest.ts';
export {
  indexCompressionDriver,
  type IndexCompressionWorkload,
  type IndexCompressionVariant,
  type IndexFactory,
  type IndexFactoryContext,
} from './drivers/index-compression.ts';
export {
  searchTraceDriver,
  type SearchTraceWorkload,
  type SearchTraceVariant,
  type SearchCacheFactory,
  type SearchCacheFactoryContext,
} from './drivers/search-trace.ts';
export { parallelApiDriver, type ParallelApiWorkload, type ParallelApiVariant } from './drivers/parallel-api.ts';
export { parallelSearchDriver, type ParallelSearchWorkload, type ParallelSearchVariant } from './drivers/parallel-search.ts';
export { filteredSearchDriver, type FilteredSearchWorkload, type FilteredSearchVariant, type FilteredIndexParams } from './drivers/filtered-search.ts';
export { memoryReplayDriver, type MemoryReplayWorkload, type MemoryReplayVariant } from './drivers/memory-replay.ts';
export { filterSelectivityDriver, type FilterSelectivityWorkload, type FilterSelectivityVariant } from './drivers/filter-selectivity.ts';
export { searchWhileWritingDriver, type SearchWhileWritingWorkload, type SearchWhileWritingVariant } from './drivers/search-while-writing.ts';
export { semanticCacheDriver, type SemanticCacheWorkload } from './drivers/semantic-cache.ts';

// The suite runner: what `memopt run` does, from a program (selection, shards, endpoint, reports, progress, abort).
export {
  runSuite,
  SIGNAL_EXIT_CODES,
  type RunSuiteOptions,
  type SuiteEndpoint,
  type SuiteMessage,
  type SuiteOutcome,
} from './suite/run-suite.ts';

export { createRng, type Rng } from './util/rng.ts';
export * from './endpoint/server/index.ts';
export { createUrlEndpoint, DEFAULT_API_KEY_ENV, type UrlEndpoint, type UrlEndpointOptions, type UrlEndpointDescription } from './endpoint/url-endpoint.ts';
export { createClientLedger, type ClientLedger, type ClientLedgerOptions, type ClientLedgerSnapshot, type RateLimitHeadersSeen } from './endpoint/client-ledger.ts';
export * from './endpoint/cost-guard.ts';
