/**
 * Vector indexes from plain params: what a scenario variant writes (`{ index: 'compressed', components: 256 }`),
 * and the schema that checks it. A variant may instead bring its own VectorIndex through a factory (see the
 * index-compression driver).
 */
import { z } from 'zod';
import type { VectorIndex } from '../../memory/types.ts';
import { CompressedIndex, type CompressedIndexOptions } from './compressed-index.ts';
import { FlatIndex } from './flat-index.ts';
import { NaiveIndex } from './naive-index.ts';
import { PCA_METHODS } from './pca.ts';
import { ScalarQuantizedIndex } from './scalar-quantized-index.ts';
import { PgVectorIndex, type PgAnnIndex } from '../vector-store/pgvector-index.ts';
import type { PgDatabases } from '../vector-store/database.ts';

export const precisionSchema = z.enum(['float32', 'int8']);
export const rerankSchema = z.union([
  z.literal(false),
  z.object({ oversample: z.number().int().min(1).max(100).default(4), precision: precisionSchema.default('int8') }).strict(),
]);

export const indexParamsSchema = z.discriminatedUnion('index', [
  /** One number[] per vector, exact cosine scan (the seed's index). */
  z.object({ index: z.literal('naive') }).strict(),
  /** Exact search over one contiguous Float32Array. */
  z.object({ index: z.literal('flat') }).strict(),
  /** int8 scalar quantization of every dimension, no PCA (ScalarQuantizedIndex). */
  z.object({ index: z.literal('sq8'), fitSampleSize: z.number().int().min(1).default(5000) }).strict(),
  /** PCA to `components` dimensions, float32 or int8 codes, optional re-rank (CompressedIndex). */
  z
    .object({
      index: z.literal('compressed'),
      components: z.number().int().min(1).default(256),
      precision: precisionSchema.default('float32'),
      rerank: rerankSchema.default(false),
      fitMethod: z.enum(PCA_METHODS).default('subspace'),
      /** Rows of the collection the PCA is fitted on (evenly spaced). */
      fitSampleSize: z.number().int().min(2).default(5000),
    })
    .strict(),
  /**
   * pgvector in Postgres (PgVectorIndex), opened asynchronously: by default in a PGlite server the driver starts in
   * its own process for the scenario; with `connectionEnv`, in the user's Postgres whose connection string that
   * environment variable holds (checked before the run; never written to a report).
   */
  z
    .object({
      index: z.literal('pgvector'),
      /** 'vector' (float32), 'halfvec' (float16), 'binary' (sign bits + full-precision re-rank). */
      storage: z.enum(['vector', 'halfvec', 'binary']).default('vector'),
      /** 'exact' scan, or an HNSW / IVFFlat index built after the bulk load. */
      search: z.enum(['exact', 'hnsw', 'ivfflat']).default('exact'),
      /** HNSW links per node (pgvector default 16) and build candidate list (default 64). */
      m: z.number().int().min(2).max(100).default(16),
      efConstruction: z.number().int().min(4).max(1000).default(64),
      /** HNSW search candidate list (hnsw.ef_search). */
      efSearch: z.number().int().min(1).max(1000).default(40),
      /** IVFFlat lists (default: rows / 1000, at least 1) and lists probed per search. */
      lists: z.number().int().min(1).optional(),
      probes: z.number().int().min(1).default(1),
      /** binary: Hamming candidates re-ranked per result wanted. */
      rerankFactor: z.number().int().min(1).default(10),
      /** Environment variable holding a Postgres connection string; absent = a PGlite server for the scenario. */
      connectionEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    })
    .strict(),
]);

export type IndexParams = z.output<typeof indexParamsSchema>;
export type IndexParamsInput = z.input<typeof indexParamsSchema>;

export interface IndexEnvironment {
  /** Vectors the index will hold, to preallocate (typed indexes grow past it if needed). Default: the index's own. */
  capacity?: number;
  /** Width of the vectors (pgvector fixes its column at open; the in-process indexes learn it at the first add). */
  dimensions?: number;
  /** Where pgvector tables live: the scenario's databases, opened on first use and closed by the driver. */
  databases?: PgDatabases;
}

export type PgvectorParams = Extract<IndexParams, { index: 'pgvector' }>;
export type InProcessIndexParams = Exclude<IndexParams, { index: 'pgvector' }>;

/**
 * The index the params name. sq8 and compressed need fit() on a sample before their first add. pgvector is opened
 * asynchronously (a promise), in a table of its own of `environment.databases`.
 */
export function createIndex(params: InProcessIndexParams, environment?: IndexEnvironment): NaiveIndex | FlatIndex | ScalarQuantizedIndex | CompressedIndex;
export function createIndex(params: PgvectorParams, environment: IndexEnvironment): Promise<PgVectorIndex>;
export function createIndex(params: IndexParams, environment?: IndexEnvironment): VectorIndex | Promise<VectorIndex>;
export function createIndex(params: IndexParams, environment: IndexEnvironment = {}): VectorIndex | Promise<VectorIndex> {
  const capacity = environment.capacity !== undefined ? { initialCapacity: environment.capacity } : {};
  switch (params.index) {
    case 'pgvector':
      return openPgvector(params, environment);
    case 'naive':
      return new NaiveIndex();
    case 'flat':
      return new FlatIndex(capacity);
    case 'sq8':
      return new ScalarQuantizedIndex({ ...capacity, fitSampleSize: params.fitSampleSize });
    case 'compressed':
      return new CompressedIndex({ ...compressedIndexOptions(params), ...capacity });
  }
}

async function openPgvector(params: PgvectorParams, environment: IndexEnvironment): Promise<PgVectorIndex> {
  const { databases, dimensions } = environment;
  if (!databases) throw new TypeError("createIndex: index 'pgvector' needs environment.databases");
  if (dimensions === undefined) throw new TypeError("createIndex: index 'pgvector' needs environment.dimensions");
  const database = databases.get(params.connectionEnv);
  return PgVectorIndex.open({
    client: await database.client(),
    dimensions,
    table: database.nextTable(),
    reset: true,
    storage: params.storage,
    index: pgAnnIndexOf(params),
    search: { efSearch: params.efSearch, probes: params.probes },
    rerankFactor: params.rerankFactor,
  });
}

/** The ANN index pgvector params ask for. */
export function pgAnnIndexOf(params: PgvectorParams): PgAnnIndex {
  if (params.search === 'hnsw') return { kind: 'hnsw', m: params.m, efConstruction: params.efConstruction };
  if (params.search === 'ivfflat') return params.lists === undefined ? { kind: 'ivfflat' } : { kind: 'ivfflat', lists: params.lists };
  return { kind: 'none' };
}

/** CompressedIndex options from compressed params. */
export function compressedIndexOptions(params: Extract<IndexParams, { index: 'compressed' }>): CompressedIndexOptions {
  return {
    components: params.components,
    precision: params.precision,
    rerank: params.rerank,
    fitMethod: params.fitMethod,
    fitSampleSize: params.fitSampleSize,
  };
}
