/** memopt's public API: the memory system, each optimization beside its baseline, the mock API and the harness. */
export * from './errors.ts';
export type * from './memory/types.ts';
export { MemorySystem, DEFAULT_TOP_K, type MemorySystemOptions } from './memory/memory-system.ts';
export * from './parts/vector-index/index.ts';
export * from './parts/vector-store/index.ts';
export * from './parts/embeddings/index.ts';
export * from './endpoint/mock/index.ts';
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
export * from './parts/search-cache/index.ts';
export * from './parts/parallel/index.ts';
export { defineScenario } from './harness/scenario-schema.ts';
export type * from './harness/types.ts';
export { ingestDriver, type IngestWorkload, type IngestVariant } from './drivers/ingest.ts';
export { createRng, type Rng } from './util/rng.ts';
export type * from './endpoint/types.ts';
export * from './endpoint/server/index.ts';
export { createUrlEndpoint, DEFAULT_API_KEY_ENV, type UrlEndpoint, type UrlEndpointOptions, type UrlEndpointDescription } from './endpoint/url-endpoint.ts';
export { createClientLedger, type ClientLedger, type ClientLedgerOptions, type ClientLedgerSnapshot, type RateLimitHeadersSeen } from './endpoint/client-ledger.ts';
export * from './endpoint/cost-guard.ts';
