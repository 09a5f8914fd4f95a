import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus, generateQueries } from '../../src/datasets/corpus.ts';
import { DEFAULT_DATASET_DIR, DEFAULT_DATASETS } from '../../src/datasets/defaults.ts';
import { toJsonlLine } from '../../src/datasets/jsonl.ts';
import { loadDataset, loadQueries } from '../../src/datasets/load.ts';

const REGENERATE = 'regenerate with: npx tsx scripts/generate-dataset.ts --out datasets';
const memoriesFile = join(DEFAULT_DATASET_DIR, DEFAULT_DATASETS.memories.file);
const queriesFile = join(DEFAULT_DATASET_DIR, DEFAULT_DATASETS.queries.file);

describe('committed datasets', () => {
  it('memories.jsonl is exactly the generator output for its seed', async () => {
    const { size, seed } = DEFAULT_DATASETS.memories;
    const expected = generateCorpus({ size, seed }).map(toJsonlLine).join('');
    const actual = await readFile(memoriesFile, 'utf8');
    // Compare first-differing line rather than two 1.7 MB strings, for a readable failure.
    const a = actual.split('\n');
    const e = expected.split('\n');
    const firstDiff = e.findIndex((line, i) => line !== a[i]);
    expect(firstDiff, `line ${firstDiff + 1} differs; ${REGENERATE}`).toBe(-1);
    expect(actual === expected, REGENERATE).toBe(true);
  });

  it('queries.jsonl is exactly the generator output for its seed', async () => {
    const { size, seed } = DEFAULT_DATASETS.queries;
    const expected = generateQueries({ size, seed }).map(toJsonlLine).join('');
    expect(await readFile(queriesFile, 'utf8'), REGENERATE).toBe(expected);
  });

  it('stay small enough to commit (< 2 MB each)', async () => {
    expect((await stat(memoriesFile)).size).toBeLessThan(2_000_000);
    expect((await stat(queriesFile)).size).toBeLessThan(2_000_000);
  });

  it('load and validate through loadDataset / loadQueries', async () => {
    const memories = await loadDataset(memoriesFile);
    expect(memories).toHaveLength(DEFAULT_DATASETS.memories.size);
    expect(memories[0]).toEqual({ id: 'mem-0000', text: expect.any(String), topic: expect.any(String) });
    expect(await loadQueries(queriesFile)).toHaveLength(DEFAULT_DATASETS.queries.size);
  });
});
