import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DatasetError, ExitCode, OptionError } from '../../src/errors.ts';
import { iterateJsonl, readJsonl } from '../../src/datasets/jsonl.ts';
import { MemoryRecordSchema } from '../../src/datasets/records.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-jsonl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content, 'utf8');
  return file;
}

/** The DatasetError `promise` rejects with (fails the test if it resolves or rejects with something else). */
async function datasetError(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('readJsonl', () => {
  it('returns every record in file order, validated by the schema', async () => {
    const file = await fileWith('ok.jsonl', '{"id":"a","text":"one","topic":"t"}\n{"id":"b","text":"two"}\n');
    expect(await readJsonl(file, MemoryRecordSchema)).toEqual([
      { id: 'a', text: 'one', topic: 't' },
      { id: 'b', text: 'two' },
    ]);
  });

  it('skips blank and # comment lines, a BOM and CRLF line ends', async () => {
    const file = await fileWith(
      'skips.jsonl',
      '\uFEFF# generated for a test\r\n\r\n   \r\n{"id":"a","text":"one"}\r\n' +
        '  # indented comment\r\n{"id":"b","text":"two"}',
    );
    expect((await readJsonl(file, MemoryRecordSchema)).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('reports invalid JSON with the file, the 1-based line and the parser message', async () => {
    const file = await fileWith('bad-json.jsonl', '{"id":"a","text":"one"}\n{"id":"b","text":"two",}\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where).toEqual({ file, line: 2 });
    expect(error.exitCode).toBe(ExitCode.badInput);
    expect(error.message).toMatch(new RegExp(`^${escape(file)}:2: invalid JSON: .*position`));
  });

  it('counts skipped blank and comment lines in the line number', async () => {
    const file = await fileWith('numbering.jsonl', '# header\n\n{"id":"a","text":"one"}\n\n# note\nnot json\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where.line).toBe(6);
  });

  it('names the field, what was expected and what was found on a schema failure', async () => {
    const file = await fileWith('bad-type.jsonl', '{"id":"a","text":"one"}\n{"id":"b","text":42}\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where).toEqual({ file, line: 2, field: 'text' });
    expect(error.message).toBe(`${file}:2, field 'text': expected string, found number 42`);
  });

  it('reports a missing required field as missing', async () => {
    const file = await fileWith('missing-field.jsonl', '{"id":"a"}\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where.field).toBe('text');
    expect(error.message).toContain('missing, expected string');
  });

  it('rejects an unknown (e.g. misspelt) field by name', async () => {
    const file = await fileWith('unknown-field.jsonl', '{"id":"a","text":"one","topc":"x"}\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where.field).toBe('topc');
    expect(error.message).toContain("unexpected field 'topc'");
  });

  it('reports a value that is not an object at the line itself', async () => {
    const file = await fileWith('array-line.jsonl', '[1,2]\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where).toEqual({ file, line: 1 });
    expect(error.message).toContain('expected object, found an array of 2');
  });

  it('works with any schema and writes nested field paths as a.b[1].c', async () => {
    const TraceSchema = z.object({ op: z.enum(['add', 'search']), items: z.array(z.object({ text: z.string() })) });
    const lines = ['{"op":"add","items":[{"text":"x"}]}', '{"op":"add","items":[{"text":"x"},{"text":null}]}'];
    const file = await fileWith('trace.jsonl', lines.join('\n'));
    const error = await datasetError(readJsonl(file, TraceSchema));
    expect(error.where).toEqual({ file, line: 2, field: 'items[1].text' });
    expect(error.message).toContain('expected string, found null');
  });

  it('mentions how many more problems the same line has', async () => {
    const file = await fileWith('many-problems.jsonl', '{"id":1,"text":2}\n');
    const error = await datasetError(readJsonl(file, MemoryRecordSchema));
    expect(error.where.field).toBe('id');
    expect(error.message).toContain('(and 1 more problem on this line)');
  });

  it('fails clearly on a missing file and on a directory', async () => {
    const missing = join(dir, 'does-not-exist.jsonl');
    const error = await datasetError(readJsonl(missing, MemoryRecordSchema));
    expect(error.where).toEqual({ file: missing });
    expect(error.message).toBe(`${missing}: cannot open the file: file not found`);
    const folder = await datasetError(readJsonl(dir, MemoryRecordSchema));
    expect(folder.message).toContain('is a directory');
  });

  it('stops after `limit` records without parsing the rest', async () => {
    const file = await fileWith('limit.jsonl', '{"id":"a","text":"one"}\n{"id":"b","text":"two"}\nbroken\n');
    expect((await readJsonl(file, MemoryRecordSchema, { limit: 2 })).map((r) => r.id)).toEqual(['a', 'b']);
    expect(await readJsonl(file, MemoryRecordSchema, { limit: 0 })).toEqual([]);
    await expect(readJsonl(file, MemoryRecordSchema, { limit: -1 })).rejects.toBeInstanceOf(OptionError);
  });

  it('rejects with the abort reason when the signal is aborted', async () => {
    const file = await fileWith('abort.jsonl', '{"id":"a","text":"one"}\n');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(readJsonl(file, MemoryRecordSchema, { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('iterateJsonl', () => {
  it('yields each record with its line number, so callers can report later checks by line', async () => {
    const file = await fileWith('iterate.jsonl', '# c\n{"id":"a","text":"one"}\n\n{"id":"b","text":"two"}\n');
    const entries = [];
    for await (const entry of iterateJsonl(file, MemoryRecordSchema)) entries.push(entry);
    expect(entries).toEqual([
      { line: 2, value: { id: 'a', text: 'one' } },
      { line: 4, value: { id: 'b', text: 'two' } },
    ]);
  });

  it('can be left early without reading the rest of the file', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ id: `m${i}`, text: 'x' })).join('\n');
    const file = await fileWith('early-exit.jsonl', `${lines}\nbroken\n`);
    let seen = 0;
    for await (const entry of iterateJsonl(file, MemoryRecordSchema)) {
      if (++seen === 3) break;
      expect(entry.value.text).toBe('x');
    }
    expect(seen).toBe(3);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
