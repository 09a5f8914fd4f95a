/**
 * Every distinct text of a datasets folder (memories, queries, and every search and add text of its traces,
 * near-duplicates included), in a fixed order: first appearance in memories.jsonl, queries.jsonl, then
 * traces/*.jsonl by file name. The shipped real vectors have one row per text, in this order.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_DATASET_DIR, DEFAULT_DATASETS } from './defaults.ts';
import { loadDataset, loadQueries } from './load.ts';
import { readTrace } from './traces.ts';

export interface CorpusTexts {
  texts: string[];
  /** The files read, relative to the folder, in reading order. */
  sources: string[];
}

export async function distinctCorpusTexts(dir: string = DEFAULT_DATASET_DIR): Promise<CorpusTexts> {
  const traceFiles = (await readdir(join(dir, 'traces'))).filter((f) => f.endsWith('.jsonl')).sort();
  const sources = [DEFAULT_DATASETS.memories.file, DEFAULT_DATASETS.queries.file, ...traceFiles.map((f) => `traces/${f}`)];
  const seen = new Set<string>();
  const add = (text: string) => void seen.add(text);
  (await loadDataset(join(dir, sources[0]))).forEach((r) => add(r.text));
  (await loadQueries(join(dir, sources[1]))).forEach((r) => add(r.text));
  for (const file of sources.slice(2)) (await readTrace(join(dir, file))).forEach((op) => add(op.text));
  return { texts: [...seen], sources };
}
