import { describe, expect, it } from 'vitest';
import { createCachedMemory } from '../../src/parts/search-cache/cached-memory.ts';
import { SearchCache } from '../../src/parts/search-cache/search-cache.ts';
import type { MemoryResult } from '../../src/memory/types.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

describe('SearchCache freezes stored results deeply', () => {
  it('a caller cannot change the metadata another caller is served', async () => {
    const cache = new SearchCache();
    const compute = async (): Promise<MemoryResult[]> => [
      { id: 'm1', text: 't', score: 1, metadata: { tag: 'a', nested: { list: [1, 2] } } },
    ];
    const first = await cache.getOrCompute('q', {}, 0, compute);
    expect(() => {
      (first[0].metadata as Record<string, unknown>).tag = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      ((first[0].metadata as { nested: { list: number[] } }).nested.list as number[]).push(3);
    }).toThrow(TypeError);
    const second = await cache.getOrCompute('q', {}, 0, compute);
    expect(cache.stats().hits).toBe(1);
    expect(second[0].metadata).toEqual({ tag: 'a', nested: { list: [1, 2] } });
  });

  it("leaves the memory's own record writable: the cache freezes a copy of its metadata", async () => {
    const metadata = { tag: 'a' };
    const cache = new SearchCache();
    const results = await cache.getOrCompute('q', {}, 0, async () => [{ id: 'm1', text: 't', score: 1, metadata }]);
    expect(Object.isFrozen(results[0].metadata)).toBe(true);
    expect(Object.isFrozen(metadata)).toBe(false);
    metadata.tag = 'b'; // the memory's record changes (a write would tell the cache)
    expect(results[0].metadata).toEqual({ tag: 'a' });
  });

  it('a caller mutating a result cannot change what targeted invalidation decides', async () => {
    const { memory, cache: searchCache } = createCachedMemory({ embedder: new FakeEmbedder(), cache: { invalidation: 'targeted' } });
    await memory.add('apple', { kind: 'fruit' });
    await memory.add('carrot', { kind: 'veg' });
    const served = await memory.search('apple', { topK: 1, filter: { kind: 'fruit' } });
    expect(served[0].text).toBe('apple');
    // A caller who could rewrite the stored metadata or scores would make invalidation skip the entry.
    expect(() => ((served[0].metadata as Record<string, unknown>).kind = 'veg')).toThrow(TypeError);
    expect(() => ((served[0] as { score: number }).score = -1)).toThrow(TypeError);
    await memory.add('apple pie', { kind: 'fruit' });
    const after = await memory.search('apple', { topK: 1, filter: { kind: 'fruit' } });
    const fresh = await memory.searchUncached('apple', { topK: 1, filter: { kind: 'fruit' } });
    expect(after).toEqual(fresh);
    expect(searchCache.peek('apple', { topK: 1, filter: { kind: 'fruit' } })).toEqual(fresh);
  });
});
