import { describe, expect, it } from 'vitest';
import { createCachedMemory } from '../../src/parts/search-cache/cached-memory.ts';
import { EmbeddingCache } from '../../src/parts/search-cache/embedding-cache.ts';
import { SearchCache } from '../../src/parts/search-cache/search-cache.ts';
import type { MemoryResult } from '../../src/memory/types.ts';
import { GatedEmbedder, settle } from '../support/cache-fakes.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('in-flight sharing', () => {
  it('runs one computation for N concurrent identical misses, and every caller gets its result', async () => {
    const cache = new SearchCache();
    const gate = deferred<MemoryResult[]>();
    let computations = 0;
    const compute = () => (computations++, gate.promise);
    const callers = Array.from({ length: 8 }, (_, i) => cache.getOrCompute(i % 2 ? 'Q' : ' Q ', { topK: 5 }, 0, compute));
    gate.resolve([{ id: 'm1', text: 'x', score: 0.5 }]);
    const results = await Promise.all(callers);
    expect(computations).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.stats()).toMatchObject({ lookups: 8, misses: 1, inflightJoins: 7, hits: 0, hitRate: 7 / 8 });
  });

  it('sends one embedding request and one scan through a memory system for concurrent identical searches', async () => {
    const embedder = new GatedEmbedder();
    const { memory, embeddings } = createCachedMemory({ embedder, normalization: { caseFold: true } });
    embedder.open = true;
    await memory.add('aaaa');
    await memory.add('bbbb');
    embedder.open = false;
    embedder.sent.length = 0;
    const searches = [memory.search('aaab'), memory.search('AAAB'), memory.search('aaab  ', { topK: 5 })];
    await settle();
    expect(embedder.sent).toEqual(['aaab']);
    await embedder.releaseAll();
    const [a, b, c] = await Promise.all(searches);
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(a[0].text).toBe('aaaa');
    expect(embeddings.cacheStats()).toMatchObject({ misses: 1 });
  });

  it('rejects every waiting caller when the shared computation fails, and caches nothing', async () => {
    const cache = new SearchCache();
    const gate = deferred<MemoryResult[]>();
    const callers = [1, 2, 3].map(() => cache.getOrCompute('q', {}, 0, () => gate.promise));
    gate.reject(new Error('API down'));
    for (const caller of callers) await expect(caller).rejects.toThrow('API down');
    expect(cache.stats()).toMatchObject({ computeErrors: 1, entries: 0 });
    const retried = await cache.getOrCompute('q', {}, 0, async () => [{ id: 'm0', text: 't', score: 1 }]);
    expect(retried).toHaveLength(1);
  });

  it('turns a compute that throws synchronously into a rejection', async () => {
    const cache = new SearchCache();
    await expect(
      cache.getOrCompute('q', {}, 0, () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });

  it('does not let a caller join a computation that started before a write', async () => {
    const cache = new SearchCache();
    const first = deferred<MemoryResult[]>();
    const second = deferred<MemoryResult[]>();
    const a = cache.getOrCompute('q', {}, 0, () => first.promise);
    cache.onWrite({ kind: 'add', id: 'm9', generation: 1 });
    const b = cache.getOrCompute('q', {}, 1, () => second.promise);
    first.resolve([{ id: 'old', text: 'old', score: 1 }]);
    second.resolve([{ id: 'new', text: 'new', score: 1 }]);
    expect((await a)[0].id).toBe('old');
    expect((await b)[0].id).toBe('new');
    expect(cache.stats()).toMatchObject({ misses: 2, inflightJoins: 0 });
    // Only the computation that saw no write was stored.
    expect(cache.peek('q')?.[0].id).toBe('new');
  });

  it('shares in-flight embeddings in the embedding cache, for embed and embedMany alike', async () => {
    const inner = new GatedEmbedder();
    const cache = new EmbeddingCache(inner);
    const one = cache.embed('abc');
    const many = cache.embedMany(['abc', 'xyz', ' xyz ']);
    await settle();
    expect(inner.sent).toEqual(['abc', 'xyz']);
    await inner.releaseAll();
    const [v, [v1, v2, v3]] = await Promise.all([one, many]);
    expect(v).toBe(v1);
    expect(v2).toBe(v3);
    expect(cache.cacheStats()).toMatchObject({ lookups: 4, misses: 2, inflightJoins: 2 });
  });
});
