/** Vector indexes: the naive baseline, exact flat storage, int8 scalar quantization and the PCA-compressed index, with their tools. */
export { NaiveIndex, compareHits } from './naive-index.ts';
export { FlatIndex, type FlatIndexOptions } from './flat-index.ts';
export { ScalarQuantizedIndex, type ScalarQuantizedIndexOptions } from './scalar-quantized-index.ts';
export { BinaryIndex, type BinaryIndexOptions, type BinaryRescore } from './binary-index.ts';
export { MatryoshkaIndex, type MatryoshkaIndexOptions } from './matryoshka-index.ts';
// UsearchIndex (usearch-index.ts) is not re-exported here: importing it loads usearch's native addon.
export {
  CompressedIndex,
  type CompressedIndexOptions,
  type CompressedState,
  type FitReport,
  type Precision,
  type RerankOptions,
} from './compressed-index.ts';
export {
  PCA_METHODS,
  explainedVariance,
  fitPca,
  modelBytes,
  truncateModel,
  type PcaFitOptions,
  type PcaFitResult,
  type PcaMethod,
  type PcaModel,
} from './pca.ts';
export { ScalarQuantizer } from './quantize.ts';
export {
  INDEX_FILE_VERSION,
  deserializeCompressedIndex,
  loadCompressedIndex,
  saveCompressedIndex,
  serializeCompressedIndex,
} from './persistence.ts';
export { exactTopK, queryRecall, recallAtK, type Ranking } from './recall.ts';
export { precisionSchema, rerankSchema, USEARCH_QUANTIZATIONS, type UsearchQuantization, type CompressedIndexParams } from './params.ts';
