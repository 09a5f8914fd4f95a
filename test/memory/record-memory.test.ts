import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAgentTrace, type AgentTraceOpInput } from '../../src/datasets/agent-trace.ts';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import { recordMemory } from '../../src/memory/record-memory.ts';
import { createRng } from '../../src/util/rng.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

/** A clock the test moves: 1 s per reading from 2026-05-08T13:56:00Z. */
function steppingClock() {
  let t = Date.parse('2026-05-08T13:56:00Z');
  return () => (t += 1000);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-record-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recordMemory', () => {
  it('logs add, update, delete and search as trace lines that read back as the same operations', async () => {
    const file = join(dir, 'traffic.jsonl');
    const memory = recordMemory(new MemorySystem({ embedder: new FakeEmbedder() }), file, { now: steppingClock() });
    const a = await memory.add('moved to Berlin', { topic: 'home', nested: { dropped: true } }, { namespace: 'u1' });
    const b = await memory.add('likes tea', undefined, { namespace: 'u2' });
    await memory.update(a, 'moved to Paris', { topic: 'home' });
    const found = await memory.search('where does the user live', { namespace: 'u1', topK: 3, filter: { topic: 'home' } });
    expect(found.map((r) => r.text)).toEqual(['moved to Paris']);
    expect(await memory.delete(b)).toBe(true);
    expect(await memory.delete('no-such-id')).toBe(false);
    await memory.search('tea', { namespace: 'u2' });
    expect(memory.recording.operations).toBe(6);
    // Nothing at <file> until close(): the lines go to <file>.partial.
    await memory.recording.flush();
    await expect(stat(file)).rejects.toThrow();
    expect((await readFile(`${file}.partial`, 'utf8')).split('\n')).toHaveLength(7);
    await memory.recording.close();

    const entries = await readAgentTrace(file);
    expect(entries.map((e) => e.op)).toEqual([
      { op: 'add', user: 'u1', id: a, text: 'moved to Berlin', at: '2026-05-08T13:56:01.000Z', metadata: { topic: 'home' } },
      { op: 'add', user: 'u2', id: b, text: 'likes tea', at: '2026-05-08T13:56:02.000Z' },
      { op: 'update', user: 'u1', id: a, text: 'moved to Paris', at: '2026-05-08T13:56:03.000Z', metadata: { topic: 'home' } },
      { op: 'search', user: 'u1', text: 'where does the user live', k: 3, at: '2026-05-08T13:56:04.000Z', filter: { topic: 'home' } },
      { op: 'delete', user: 'u2', id: b, at: '2026-05-08T13:56:05.000Z' },
      { op: 'search', user: 'u2', text: 'tea', k: 5, at: '2026-05-08T13:56:06.000Z' },
    ]);
    await expect(stat(`${file}.partial`)).rejects.toThrow();
  });

  it('passes every other property through, bound to the memory', async () => {
    const inner = new MemorySystem({ embedder: new FakeEmbedder() });
    const ops: AgentTraceOpInput[] = [];
    const memory = recordMemory(inner, (op) => void ops.push(op));
    const id = await memory.add('hello', undefined, { namespace: 'u1' });
    expect(memory.get(id)?.text).toBe('hello');
    expect(memory.size).toBe(1);
    expect(memory.stats().adds).toBe(1);
    expect(memory.generation).toBe(inner.generation);
  });

  it('takes the user from a configured function, and falls back to the default user', async () => {
    const ops: AgentTraceOpInput[] = [];
    const memory = recordMemory(new MemorySystem({ embedder: new FakeEmbedder() }), (op) => void ops.push(op), {
      user: (call) => (call.op === 'add' && typeof call.metadata?.owner === 'string' ? call.metadata.owner : undefined),
      defaultUser: 'anonymous',
      now: steppingClock(),
    });
    const id = await memory.add('a fact', { owner: 'alice' });
    await memory.update(id, 'a changed fact');
    await memory.search('fact');
    expect(ops.map((op) => [op.op, op.user])).toEqual([['add', 'alice'], ['update', 'alice'], ['search', 'anonymous']]);
  });

  it('logs a move to another namespace as a delete and an add of the same id, which the trace checks accept', async () => {
    const file = join(dir, 'move.jsonl');
    const memory = recordMemory(new MemorySystem({ embedder: new FakeEmbedder() }), file, { now: steppingClock() });
    const id = await memory.add('shared note', undefined, { namespace: 'u1' });
    await memory.update(id, 'shared note, moved', undefined, { namespace: 'u2' });
    await memory.delete(id);
    await memory.recording.close();
    expect((await readAgentTrace(file)).map((e) => [e.op.op, e.op.user])).toEqual([['add', 'u1'], ['delete', 'u1'], ['add', 'u2'], ['delete', 'u2']]);
  });

  it('does not log calls that reject, and keeps time from going backwards', async () => {
    const ops: AgentTraceOpInput[] = [];
    const times = [5_000, 3_000, 9_000];
    const memory = recordMemory(new MemorySystem({ embedder: new FakeEmbedder() }), (op) => void ops.push(op), { now: () => times.shift()! });
    await memory.add('one', undefined, { namespace: 'u' });
    await expect(memory.update('missing', 'x')).rejects.toThrow(RangeError);
    await memory.add('two', undefined, { namespace: 'u' });
    await memory.add('three', undefined, { namespace: 'u' });
    expect(ops.map((op) => op.at)).toEqual(['1970-01-01T00:00:05.000Z', '1970-01-01T00:00:05.000Z', '1970-01-01T00:00:09.000Z']);
  });

  it('records interleaved concurrent callers in the order their results came back, each with its own id', async () => {
    const file = join(dir, 'concurrent.jsonl');
    const memory = recordMemory(new MemorySystem({ embedder: new FakeEmbedder() }), file, { now: steppingClock() });
    const rng = createRng(9);
    const settled: string[] = [];
    const users = ['u1', 'u2', 'u3', 'u4'];
    await Promise.all(
      users.map(async (user) => {
        for (let i = 0; i < 25; i++) {
          if (rng.next() < 0.6) {
            const id = await memory.add(`${user} fact ${i}`, { i }, { namespace: user });
            settled.push(`add ${user} ${id}`);
          } else {
            await memory.search(`${user} fact`, { namespace: user });
            settled.push(`search ${user}`);
          }
        }
      }),
    );
    await memory.recording.close();
    const entries = await readAgentTrace(file);
    expect(entries.map(({ op }) => (op.op === 'add' ? `add ${op.user} ${op.id}` : `${op.op} ${op.user}`))).toEqual(settled);
    // Every add's text is the one its caller gave for that id.
    for (const { op } of entries) if (op.op === 'add') expect(op.text.startsWith(`${op.user} fact`)).toBe(true);
  });

  it('reports a failing sink on flush and close without failing the memory call', async () => {
    let calls = 0;
    const memory = recordMemory(new MemorySystem({ embedder: new FakeEmbedder() }), async () => {
      calls++;
      throw new Error('disk full');
    });
    await expect(memory.add('kept', undefined, { namespace: 'u' })).resolves.toBe('m0');
    await memory.add('also kept', undefined, { namespace: 'u' });
    await expect(memory.recording.flush()).rejects.toThrow('disk full');
    await expect(memory.recording.close()).rejects.toThrow('disk full');
    expect(calls).toBe(1);
    expect(memory.size).toBe(2);
  });
});
