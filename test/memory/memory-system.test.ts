import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { MemoryResult, SearchOptions, SearchResultCache, WriteEvent } from '../../src/memory/types.ts';
import { GatedEmbedder } from '../support/cache-fakes.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

describe('MemorySystem', () => {
  it('returns the nearest memories first, with scores, limited to topK', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    await memory.add('aaaa');
    await memory.add('bbbb');
    await memory.add('aaab');
    const results = await memory.search('aaaa', { topK: 2 });
    expect(results.map((r) => r.text)).toEqual(['aaaa', 'aaab']);
    expect(results[0].score).toBeCloseTo(1);
    expect(results[0].score).toBeGreaterThan(results[1].score);
  });

  it('assigns ids in call order even when embeddings resolve out of order', async () => {
    const embedder = new GatedEmbedder();
    const memory = new MemorySystem({ embedder });
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const completed: string[] = [];
    const adds = texts.map((t) => memory.add(t).then((id) => (completed.push(t), id)));
    // The embeddings resolve in the reverse of the order the adds were called.
    for (const text of [...texts].reverse()) await embedder.release(text);
    const ids = await Promise.all(adds);
    expect(completed).toEqual([...texts].reverse());
    expect(ids).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(ids.map((id) => memory.get(id)?.text)).toEqual(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
  });

  it('filters on metadata and still returns topK matches', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    await memory.add('aaaa', { user: 'x' });
    await memory.add('aaab', { user: 'y' });
    await memory.add('aabb', { user: 'y' });
    const results = await memory.search('aaaa', { topK: 2, filter: { user: 'y' } });
    expect(results.map((r) => r.text)).toEqual(['aaab', 'aabb']);
  });

  it('updates and deletes take effect in search and bump the generation', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    const a = await memory.add('aaaa');
    const b = await memory.add('bbbb');
    expect(memory.generation).toBe(2);
    await memory.update(a, 'cccc');
    expect((await memory.search('cccc', { topK: 1 }))[0].id).toBe(a);
    expect(await memory.delete(b)).toBe(true);
    expect(await memory.delete(b)).toBe(false);
    expect(memory.generation).toBe(4);
    expect((await memory.search('bbbb', { topK: 5 })).map((r) => r.id)).toEqual([a]);
    await expect(memory.update('nope', 'x')).rejects.toThrow(/no memory with id 'nope'/);
  });

  it('tells the cache about every write and passes the generation a search started under', async () => {
    const events: WriteEvent[] = [];
    const generations: number[] = [];
    const cache: SearchResultCache = {
      getOrCompute(_q: string, _o: SearchOptions, generation: number, compute: () => Promise<MemoryResult[]>) {
        generations.push(generation);
        return compute();
      },
      onWrite: (event) => events.push(event),
    };
    const memory = new MemorySystem({ embedder: new FakeEmbedder(), cache });
    const id = await memory.add('aaaa');
    await memory.search('aaaa');
    await memory.update(id, 'bbbb');
    await memory.delete(id);
    await memory.search('aaaa');
    expect(events.map((e) => [e.kind, e.generation])).toEqual([['add', 1], ['update', 2], ['delete', 3]]);
    expect(generations).toEqual([1, 3]);
  });

  it('puts the memory as stored (record, vector) and the namespaces it touched on each write event', async () => {
    const events: WriteEvent[] = [];
    const cache: SearchResultCache = { getOrCompute: (_q, _o, _g, compute) => compute(), onWrite: (event) => events.push(event) };
    const embedder = new FakeEmbedder();
    const memory = new MemorySystem({ embedder, cache });
    const id = await memory.add('aaaa', { tag: 'x' });
    await memory.update(id, 'bbbb', { tag: 'y' });
    await memory.delete(id);
    const [added, updated, deleted] = events;
    expect(added).toMatchObject({ kind: 'add', id, record: { id, text: 'aaaa', metadata: { tag: 'x' } } });
    expect(Array.from(added.vector!)).toEqual(await embedder.embed('aaaa'));
    expect(updated).toMatchObject({ kind: 'update', id, record: { id, text: 'bbbb', metadata: { tag: 'y' } } });
    expect(Array.from(updated.vector!)).toEqual(await embedder.embed('bbbb'));
    // The record is the one the memory holds; a delete carries neither record nor vector.
    expect(added.record).not.toBe(updated.record);
    expect(deleted).toMatchObject({ kind: 'delete', id });
    expect(deleted.record).toBeUndefined();
    expect(deleted.vector).toBeUndefined();
    // MemorySystem.add takes no namespace yet: every event says the memory had none (the cache then treats the
    // write as touching every namespace).
    expect(events.every((e) => e.namespace === undefined && e.previousNamespace === undefined)).toBe(true);
    expect('previousNamespace' in updated).toBe(true);
    expect('previousNamespace' in added).toBe(false);
  });
});
