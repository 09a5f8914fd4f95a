import { describe, expect, it } from 'vitest';
import { SearchCache } from '../../src/parts/search-cache/search-cache.ts';
import type { MemoryResult } from '../../src/memory/types.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

describe('SearchCache clear()', () => {
  it('drops the result of a computation that started before clear(): not stored, not served to later callers', async () => {
    const cache = new SearchCache();
    const before = deferred<MemoryResult[]>();
    const early = cache.getOrCompute('q', {}, 0, () => before.promise);
    cache.clear();
    let recomputed = 0;
    const late = cache.getOrCompute('q', {}, 0, async () => {
      recomputed++;
      return [{ id: 'after', text: 'after', score: 1 }];
    });
    before.resolve([{ id: 'before', text: 'before', score: 1 }]);
    // The caller that asked before clear() gets its own computation's result...
    expect((await early)[0].id).toBe('before');
    // ...but a caller after clear() did not join it,
    expect((await late)[0].id).toBe('after');
    expect(recomputed).toBe(1);
    // and what is stored is the later computation's result, whichever finished last.
    expect(cache.peek('q')?.[0].id).toBe('after');
  });

  it('does not store a pre-clear result that finishes after clear() when nothing else ran', async () => {
    const cache = new SearchCache();
    const before = deferred<MemoryResult[]>();
    const early = cache.getOrCompute('q', {}, 0, () => before.promise);
    cache.clear();
    before.resolve([{ id: 'before', text: 'before', score: 1 }]);
    await early;
    expect(cache.peek('q')).toBeUndefined();
    expect(cache.stats().entries).toBe(0);
    let computations = 0;
    await cache.getOrCompute('q', {}, 0, async () => (computations++, [{ id: 'fresh', text: 'fresh', score: 1 }]));
    expect(computations).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
  });

  it('stores results of computations started after clear() as usual', async () => {
    const cache = new SearchCache();
    cache.clear();
    await cache.getOrCompute('q', {}, 0, async () => [{ id: 'a', text: 'a', score: 1 }]);
    await cache.getOrCompute('q', {}, 0, async () => [{ id: 'b', text: 'b', score: 1 }]);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });
});
