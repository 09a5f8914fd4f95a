/** Datasets: the record formats, the JSONL reader/writer, the seeded corpus and query generators, loaders. */
export { MemoryRecordSchema, QueryRecordSchema, type DatasetQuery, type DatasetRecord } from './records.ts';
export {
  iterateJsonl,
  readJsonl,
  toJsonlLine,
  writeJsonlAtomic,
  type JsonlEntry,
  type ReadJsonlOptions,
} from './jsonl.ts';
export {
  countWords,
  EXACT_DUPLICATE_SHARE,
  generateCorpus,
  generateCorpusDetailed,
  generateQueries,
  MAX_PHRASE_QUERY_WORDS,
  MEMORY_WORDS,
  NEAR_DUPLICATE_SHARE,
  TOPIC_NAMES,
  validateTopics,
  type CorpusQuery,
  type CorpusRecord,
  type GeneratedMemory,
  type GenerateOptions,
} from './corpus.ts';
export { loadDataset, loadQueries, takeSample } from './load.ts';
export { DEFAULT_DATASET_DIR, DEFAULT_DATASETS, shippedDataPath } from './defaults.ts';
