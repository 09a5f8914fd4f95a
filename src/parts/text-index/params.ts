/**
 * The params of the text-aware indexes, as a scenario writes them: `{ index: 'keyword' }` and
 * `{ index: 'hybrid', vector: { index: 'flat' } }`. Schemas only (the registry builds them).
 */
import { z, type ZodType } from 'zod';

const bm25Params = z
  .object({
    /** Term-frequency saturation. Default 1.2. */
    k: z.number().positive().default(1.2),
    /** Length normalization, 0 to 1. Default 0.7 (MiniSearch's). */
    b: z.number().min(0).max(1).default(0.7),
    /** BM25+'s lower bound δ. Default 0.5. */
    d: z.number().min(0).default(0.5),
  })
  .strict();

/** BM25+ over the memories' texts, one MiniSearch per namespace (KeywordIndex). */
export const keywordIndexParams = z.object({ index: z.literal('keyword'), bm25: bm25Params.default({ k: 1.2, b: 0.7, d: 0.5 }) }).strict();

/** A vector index and the keyword index fused by reciprocal rank fusion (HybridIndex); `vector` is any vector index's params. */
export function hybridIndexParams<V extends ZodType>(vectorParams: V) {
  return z
    .object({
      index: z.literal('hybrid'),
      vector: vectorParams,
      bm25: bm25Params.default({ k: 1.2, b: 0.7, d: 0.5 }),
      /** RRF's k (Cormack et al. 2009). Default 60. */
      rrfK: z.number().min(0).default(60),
      /** Entries read from each ranking. Default 100. */
      depth: z.number().int().min(1).default(100),
    })
    .strict();
}
