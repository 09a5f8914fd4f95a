/** Indexes that rank by the memories' texts: a keyword (BM25+) index and a hybrid of a vector index and keywords (RRF). */
export { KeywordIndex, DEFAULT_BM25, type Bm25Params, type KeywordIndexOptions } from './keyword-index.ts';
export { HybridIndex, reciprocalRankFusion, DEFAULT_RRF_K, DEFAULT_FUSION_DEPTH, type HybridIndexOptions } from './hybrid-index.ts';
export { keywordIndexParams, hybridIndexParams } from './params.ts';
