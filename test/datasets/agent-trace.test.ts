import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAgentTrace, writeAgentTrace } from '../../src/datasets/agent-trace.ts';
import { ExitCode, InputError } from '../../src/errors.ts';

async function traceFile(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-trace-'));
  const file = join(dir, 'trace.jsonl');
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

const add = (id: string, user = 'u1', at = '2026-05-08T13:56:00Z') => JSON.stringify({ op: 'add', user, id, text: `text of ${id}`, at });

async function errorOf(lines: string[]): Promise<InputError> {
  const error = await readAgentTrace(await traceFile(lines)).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(ExitCode.badInput);
  return error as InputError;
}

describe('agent trace', () => {
  it('reads the four operations in order, with virtual time, keeping unknown fields', async () => {
    const file = await traceFile([
      '# a comment',
      JSON.stringify({ op: 'add', user: 'u1', id: 'm1', text: 'moved to Berlin', at: '2026-05-08T13:56:00Z', metadata: { kind: 'fact' }, session: 3 }),
      JSON.stringify({ op: 'search', user: 'u1', text: 'where do I live?', at: '2026-05-08T13:57:00Z', relevant: ['m1'] }),
      JSON.stringify({ op: 'update', user: 'u1', id: 'm1', text: 'moved to Paris', at: 1778248680000 }),
      JSON.stringify({ op: 'delete', user: 'u1', id: 'm1', at: 1778248680000 }),
    ]);
    const entries = await readAgentTrace(file);
    expect(entries.map((e) => [e.line, e.op.op])).toEqual([[2, 'add'], [3, 'search'], [4, 'update'], [5, 'delete']]);
    expect(entries[1]!.atMs - entries[0]!.atMs).toBe(60_000);
    expect(entries[1]!.op).toMatchObject({ k: 10, relevant: ['m1'] });
    expect((entries[0]!.op as Record<string, unknown>).session).toBe(3);
  });

  it('names the line of bad JSON, an unknown op and a search with no user', async () => {
    expect((await errorOf([add('m1'), '{"op":'])).message).toMatch(/trace\.jsonl:2: invalid JSON/);
    expect((await errorOf([add('m1'), JSON.stringify({ op: 'upsert', user: 'u1', id: 'm1', at: 0 })])).message).toMatch(/jsonl:2, field 'op': expected one of 'add'/);
    expect((await errorOf([JSON.stringify({ op: 'search', text: 'q', at: 0 })])).message).toMatch(/jsonl:1, field 'user': missing/);
  });

  it('refuses an update of an unknown id, another user\'s memory, and time going backwards, naming each line', async () => {
    const error = await errorOf([
      add('m1', 'u1', '2026-05-08T13:56:00Z'),
      JSON.stringify({ op: 'update', user: 'u1', id: 'm9', text: 'x', at: '2026-05-08T13:57:00Z' }),
      JSON.stringify({ op: 'delete', user: 'u2', id: 'm1', at: '2026-05-08T13:58:00Z' }),
      JSON.stringify({ op: 'search', user: 'u1', text: 'q', at: '2026-05-08T13:00:00Z' }),
      JSON.stringify({ op: 'search', user: 'u2', text: 'q', at: '2026-05-08T13:59:00Z', relevant: ['m1'] }),
    ]);
    expect(error.message).toMatch(/jsonl:2: .*unknown memory 'm9'/);
    expect(error.message).toMatch(/jsonl:3: .*belongs to user 'u1'/);
    expect(error.message).toMatch(/jsonl:4: .*time goes backwards/);
    expect(error.message).toMatch(/jsonl:5: relevant/);
  });

  it('writes a trace that reads back to the same operations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-trace-'));
    const file = join(dir, 'out.jsonl');
    const ops = [
      { op: 'add', user: 'u1', id: 'm1', text: 'a', at: 5 },
      { op: 'search', user: 'u1', text: 'a?', k: 3, at: 6 },
    ] as const;
    await writeAgentTrace(file, ops);
    expect((await readAgentTrace(file)).map((e) => e.op)).toEqual(ops);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
  });
});
