import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace, writeTrace, type TraceOp } from '../../src/datasets/traces.ts';
import { DatasetError, ExitCode } from '../../src/errors.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-trace-'));
});
afterAll(() => {});

async function traceFile(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

async function errorOf(file: string): Promise<DatasetError> {
  try {
    await readTrace(file);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected readTrace to fail');
}

describe('trace files', () => {
  it('reads searches and adds in order, skipping blank and comment lines', async () => {
    const file = await traceFile('ok.jsonl', [
      '# a replay of Monday',
      '{"op":"search","text":"trip","options":{"filter":{"topic":"travel"},"topK":3}}',
      '',
      '{"op":"add","text":"Booked Lisbon","metadata":{"topic":"travel","pinned":true}}',
      '{"op":"search","text":"trip"}',
    ]);
    expect(await readTrace(file)).toEqual([
      { op: 'search', text: 'trip', options: { filter: { topic: 'travel' }, topK: 3 } },
      { op: 'add', text: 'Booked Lisbon', metadata: { topic: 'travel', pinned: true } },
      { op: 'search', text: 'trip' },
    ]);
  });

  it('round-trips what writeTrace writes', async () => {
    const ops: TraceOp[] = [
      { op: 'search', text: 'a "quoted"\ttext', options: { topK: 10 } },
      { op: 'add', text: 'line\nbreak' },
    ];
    const file = join(dir, 'round.jsonl');
    await writeTrace(file, ops);
    expect(await readTrace(file)).toEqual(ops);
  });

  it.each([
    ['an unknown op', '{"op":"delete","text":"x"}', /bad1\.jsonl:2, field 'op': expected op 'search' or 'add', found string "delete"/],
    ['a missing op', '{"text":"x"}', /bad2\.jsonl:2, field 'op': expected op 'search' or 'add', found nothing/],
    ['an empty text', '{"op":"search","text":""}', /bad3\.jsonl:2, field 'text'/],
    ['a misspelled option', '{"op":"search","text":"x","options":{"topk":3}}', /bad4\.jsonl:2, field 'options\.topk': unexpected field 'topk'/],
    ['a topK out of range', '{"op":"search","text":"x","options":{"topK":0}}', /bad5\.jsonl:2, field 'options\.topK'/],
    ['a filter value that is an object', '{"op":"search","text":"x","options":{"filter":{"a":{}}}}', /bad6\.jsonl:2, field 'options\.filter\.a'/],
    ['invalid JSON', '{"op":"search",', /bad7\.jsonl:2: invalid JSON/],
    ['an unknown field on add', '{"op":"add","text":"x","topic":"t"}', /bad8\.jsonl:2, field 'topic': unexpected field 'topic'/],
  ])('rejects %s with the file, line and field, exit code 2', async (_what, line, message) => {
    const n = ['an unknown op', 'a missing op', 'an empty text', 'a misspelled option', 'a topK out of range', 'a filter value that is an object', 'invalid JSON', 'an unknown field on add'].indexOf(_what) + 1;
    const file = await traceFile(`bad${n}.jsonl`, ['{"op":"search","text":"fine"}', line, '{"op":"search","text":"never read"}']);
    const error = await errorOf(file);
    expect(error.message).toMatch(message);
    expect(error.where.line).toBe(2);
    expect(error.exitCode).toBe(ExitCode.badInput);
  });

  it('rejects a trace with no searches, and a file that does not exist', async () => {
    const adds = await traceFile('adds.jsonl', ['{"op":"add","text":"x"}']);
    expect((await errorOf(adds)).message).toMatch(/no search operations/);
    expect((await errorOf(join(dir, 'missing.jsonl'))).message).toMatch(/missing\.jsonl: cannot open the file: file not found/);
  });
});
