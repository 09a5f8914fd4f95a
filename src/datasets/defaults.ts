/**
 * The datasets committed in `datasets/` and the options they were generated with. `generate.ts` writes them and a
 * test checks that regenerating from these options gives the committed bytes.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of memopt's `datasets/` folder: the repository's, or the installed package's (it is packed; from
 * dist/datasets/ as from src/datasets/ it is two folders up). Never the working directory's.
 */
export const DEFAULT_DATASET_DIR = fileURLToPath(new URL('../../datasets/', import.meta.url));

/**
 * The absolute path of a file memopt ships in datasets/, e.g. `shippedDataPath('traces/search-quick.jsonl')`: how a
 * scenario names memopt's data (the drivers' defaults are these paths too). A scenario's other relative paths
 * resolve against its own folder.
 */
export function shippedDataPath(path: string): string {
  return join(DEFAULT_DATASET_DIR, path);
}

export const DEFAULT_DATASETS = {
  memories: { file: 'memories.jsonl', size: 10_000, seed: 42 },
  queries: { file: 'queries.jsonl', size: 1_000, seed: 43 },
} as const;
