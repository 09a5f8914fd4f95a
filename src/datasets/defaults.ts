/**
 * The datasets committed in `datasets/` and the options they were generated with. `generate.ts` writes them and a
 * test checks that regenerating from these options gives the committed bytes.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository's `datasets/` folder. */
export const DEFAULT_DATASET_DIR = fileURLToPath(new URL('../../datasets/', import.meta.url));

export const DEFAULT_DATASETS = {
  memories: { file: 'memories.jsonl', size: 10_000, seed: 42 },
  queries: { file: 'queries.jsonl', size: 1_000, seed: 43 },
} as const;
