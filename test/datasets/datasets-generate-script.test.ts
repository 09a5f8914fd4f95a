import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { generateCorpus, generateQueries } from '../../src/datasets/corpus.ts';
import { parseGenerateArgs, writeDatasets } from '../../scripts/generate-dataset.ts';
import { toJsonlLine } from '../../src/datasets/jsonl.ts';

describe('scripts/generate-dataset.ts', () => {
  it('defaults to the committed datasets options', () => {
    expect(parseGenerateArgs([])).toEqual({
      out: 'datasets', memories: 10_000, seed: 42, queries: 1_000, querySeed: 43, stats: false, help: false,
    });
    // A negative value needs the --opt=value form (node's parseArgs reads `--seed -3` as ambiguous).
    const args = ['--out', 'x', '--memories', '50', '--seed=-3', '--query-seed', '9', '--stats'];
    expect(parseGenerateArgs(args)).toMatchObject({ out: 'x', memories: 50, seed: -3, querySeed: 9, stats: true });
  });

  it('rejects unknown options and non-integer values with a UsageError (exit code 2)', () => {
    expect(() => parseGenerateArgs(['--size', '10'])).toThrow(UsageError);
    expect(() => parseGenerateArgs(['--memories', '1e3'])).toThrow(/--memories.*expected an integer >= 0, found '1e3'/);
    expect(() => parseGenerateArgs(['--memories', '-1'])).toThrow(UsageError);
    expect(() => parseGenerateArgs(['--seed', 'abc'])).toThrow(UsageError);
  });

  it('writes both files, byte-identical to the generators, into a new folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-generate-'));
    try {
      const out = join(dir, 'nested', 'data');
      const files = await writeDatasets({ out, memories: 300, seed: 5, queries: 40, querySeed: 6 });
      const memories = generateCorpus({ size: 300, seed: 5 }).map(toJsonlLine).join('');
      const queries = generateQueries({ size: 40, seed: 6 }).map(toJsonlLine).join('');
      expect(await readFile(files.memories, 'utf8')).toBe(memories);
      expect(await readFile(files.queries, 'utf8')).toBe(queries);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
