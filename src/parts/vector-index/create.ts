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
]);

export type IndexParams = z.output<typeof indexParamsSchema>;
export type IndexParamsInput = z.input<typeof indexParamsSchema>;

export interface IndexEnvironment {
  /** Vectors the index will hold, to preallocate (typed indexes grow past it if needed). Default: the index's own. */
  capacity?: number;
}

/** The index the params name. sq8 and compressed need fit() on a sample before their first add. */
export function createIndex(params: IndexParams, environment: IndexEnvironment = {}): NaiveIndex | FlatIndex | ScalarQuantizedIndex | CompressedIndex {
  const capacity = environment.capacity !== undefined ? { initialCapacity: environment.capacity } : {};
  switch (params.index) {
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
