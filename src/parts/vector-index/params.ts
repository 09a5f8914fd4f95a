/**
 * The params of memopt's in-process indexes, as a scenario writes them (`{ index: 'compressed', components: 256 }`).
 * Schemas only: nothing here loads an index (the registry, src/parts/registry.ts, does that when one is asked for).
 */
import { z } from 'zod';
import { PCA_METHODS } from './pca.ts';

export const precisionSchema = z.enum(['float32', 'int8']);
export const rerankSchema = z.union([
  z.literal(false),
  z.object({ oversample: z.number().int().min(1).max(100).default(4), precision: precisionSchema.default('int8') }).strict(),
]);

/** usearch's scalar kinds (its `quantization`). */
export const USEARCH_QUANTIZATIONS = ['f32', 'f16', 'i8', 'b1'] as const;
export type UsearchQuantization = (typeof USEARCH_QUANTIZATIONS)[number];

/** One number[] per vector, exact cosine scan (the seed's index). */
export const naiveIndexParams = z.object({ index: z.literal('naive') }).strict();
/** Exact search over one contiguous Float32Array. */
export const flatIndexParams = z.object({ index: z.literal('flat') }).strict();
/** int8 scalar quantization of every dimension, no PCA (ScalarQuantizedIndex). */
export const sq8IndexParams = z.object({ index: z.literal('sq8'), fitSampleSize: z.number().int().min(1).default(5000) }).strict();
/** PCA to `components` dimensions, float32 or int8 codes, optional re-rank (CompressedIndex). */
export const compressedIndexParams = z
  .object({
    index: z.literal('compressed'),
    components: z.number().int().min(1).default(256),
    precision: precisionSchema.default('float32'),
    rerank: rerankSchema.default(false),
    fitMethod: z.enum(PCA_METHODS).default('randomized'),
    /** Rows of the collection the PCA is fitted on (evenly spaced). */
    fitSampleSize: z.number().int().min(2).default(20_000),
  })
  .strict();
/** Sign bits with Hamming candidates re-scored at full precision (BinaryIndex). */
export const binaryIndexParams = z
  .object({
    index: z.literal('binary'),
    /** Hamming candidates re-scored, as a multiple of k. */
    oversample: z.number().int().min(1).default(4),
    rescore: z.enum(['int8', 'float32']).default('int8'),
    /** Thresholds at the sample mean (fit) rather than 0. */
    centre: z.boolean().default(true),
  })
  .strict();
/** The first `dimensions` coordinates of each vector, re-normalized, exact search (MatryoshkaIndex). */
export const matryoshkaIndexParams = z.object({ index: z.literal('matryoshka'), dimensions: z.number().int().min(1) }).strict();
/** usearch's HNSW (a peer; one graph per namespace). */
export const usearchIndexParams = z
  .object({
    index: z.literal('usearch'),
    quantization: z.enum(USEARCH_QUANTIZATIONS).default('f32'),
    /** Candidate list while searching (ef): a search-time setting, swept on one build. */
    expansionSearch: z.number().int().min(1).default(64),
    connectivity: z.number().int().min(2).default(16),
    expansionAdd: z.number().int().min(1).default(128),
  })
  .strict();

export type CompressedIndexParams = z.output<typeof compressedIndexParams>;
