import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, OptionError } from '../../src/errors.ts';
import { loadDataset, loadQueries, takeSample } from '../../src/datasets/load.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content, 'utf8');
  return file;
}

describe('loadDataset / loadQueries', () => {
  it('return validated records; topic is optional for datasets users bring', async () => {
    const content = [
      '# exported from my store',
      '{"id":"1","text":"likes tea"}',
      '{"id":"2","text":"hates rain","topic":"weather"}',
    ].join('\n');
    const file = await fileWith('own.jsonl', content);
    expect(await loadDataset(file)).toEqual([
      { id: '1', text: 'likes tea' },
      { id: '2', text: 'hates rain', topic: 'weather' },
    ]);
    expect(await loadQueries(file)).toHaveLength(2);
  });

  it('reject a duplicate id, naming both lines', async () => {
    const file = await fileWith('dup.jsonl', '{"id":"a","text":"x"}\n{"id":"b","text":"y"}\n\n{"id":"a","text":"z"}\n');
    const error = await loadDataset(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).where).toEqual({ file, line: 4, field: 'id' });
    expect((error as DatasetError).message).toContain("duplicate id 'a', first used on line 1");
  });

  it('reject a file with no records', async () => {
    const file = await fileWith('empty.jsonl', '# only a comment\n\n');
    await expect(loadQueries(file)).rejects.toThrow(/no records/);
  });

  it('reject an empty text', async () => {
    const file = await fileWith('empty-text.jsonl', '{"id":"a","text":""}\n');
    await expect(loadDataset(file)).rejects.toThrow(/field 'text'.*found string ""/);
  });
});

describe('takeSample', () => {
  const items = Array.from({ length: 1_000 }, (_, i) => i);

  it('is deterministic per seed, without repeats, in original order', () => {
    const a = takeSample(items, 100, 7);
    expect(takeSample(items, 100, 7)).toEqual(a);
    expect(a).toHaveLength(100);
    expect(new Set(a).size).toBe(100);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(takeSample(items, 100, 8)).not.toEqual(a);
  });

  it('spreads over the whole input, not a prefix', () => {
    const sample = takeSample(items, 200, 1);
    expect(sample.filter((i) => i >= 500).length).toBeGreaterThan(60);
  });

  it('returns a copy of everything when n reaches the length, and rejects a bad n', () => {
    const all = takeSample(items, 5_000, 1);
    expect(all).toEqual(items);
    expect(all).not.toBe(items);
    expect(takeSample(items, 0, 1)).toEqual([]);
    expect(() => takeSample(items, -1, 1)).toThrow(OptionError);
    expect(() => takeSample(items, 2.5, 1)).toThrow(OptionError);
  });
});
