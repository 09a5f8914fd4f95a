import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonl, toJsonlLine, writeJsonlAtomic } from '../../src/datasets/jsonl.ts';
import { MemoryRecordSchema } from '../../src/datasets/records.ts';

let dir: string;
let file: string;
const OLD = '{"id":"old","text":"previous content"}\n';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-atomic-'));
  file = join(dir, 'memories.jsonl');
  await writeFile(file, OLD);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeJsonlAtomic', () => {
  it('writes one JSON line per record, readable by readJsonl, and leaves no temporary file', async () => {
    const records = Array.from({ length: 5_000 }, (_, i) => ({ id: `m${i}`, text: `text ${i} "quoted" \u00e9` }));
    await writeJsonlAtomic(file, records);
    expect(await readFile(file, 'utf8')).toBe(records.map(toJsonlLine).join(''));
    expect(await readJsonl(file, MemoryRecordSchema)).toEqual(records);
    expect(await readdir(dir)).toEqual(['memories.jsonl']);
  });

  it('keeps the previous file intact and removes the temporary file when the records throw mid-way', async () => {
    function* failing() {
      for (let i = 0; i < 20_000; i++) {
        if (i === 15_000) throw new Error('source failed');
        yield { id: `m${i}`, text: 'x'.repeat(20) };
      }
    }
    await expect(writeJsonlAtomic(file, failing())).rejects.toThrow('source failed');
    expect(await readFile(file, 'utf8')).toBe(OLD);
    expect(await readdir(dir)).toEqual(['memories.jsonl']);
  });

  it('keeps the previous file when a record cannot be serialized', async () => {
    await expect(writeJsonlAtomic(file, [{ id: 'a', text: 'ok' }, { id: 'b', n: 1n }])).rejects.toThrow(TypeError);
    await expect(writeJsonlAtomic(file, [undefined])).rejects.toThrow('cannot write undefined');
    expect(await readFile(file, 'utf8')).toBe(OLD);
    expect(await readdir(dir)).toEqual(['memories.jsonl']);
  });

  it('never exposes a half-written file: until the write completes, readers see the old content', async () => {
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let reachedPause!: () => void;
    const atPause = new Promise<void>((resolve) => (reachedPause = resolve));
    async function* slow() {
      for (let i = 0; i < 10_000; i++) yield { id: `m${i}`, text: 'y'.repeat(30) };
      reachedPause();
      await paused;
      yield { id: 'last', text: 'end' };
    }
    const writing = writeJsonlAtomic(file, slow());
    await atPause;
    expect(await readFile(file, 'utf8')).toBe(OLD);
    release();
    await writing;
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(10_001);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ id: 'last', text: 'end' });
  });

  it('creates the file when it does not exist yet, and accepts an empty record list', async () => {
    const fresh = join(dir, 'new.jsonl');
    await writeJsonlAtomic(fresh, []);
    expect(await readFile(fresh, 'utf8')).toBe('');
  });

  it('fails without leaving anything behind when the folder does not exist', async () => {
    const target = join(dir, 'missing', 'x.jsonl');
    await expect(writeJsonlAtomic(target, [{ id: 'a' }])).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual(['memories.jsonl']);
  });
});
