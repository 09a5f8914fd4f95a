import { describe, expect, it } from 'vitest';
import { NaiveSearchCache } from '../../src/parts/search-cache/naive-cache.ts';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { MemoryResult } from '../../src/memory/types.ts';
import { InstantEmbedder, manualClock } from '../support/cache-fakes.ts';

const resultOf = (text: string): MemoryResult[] => [{ id: 'm0', text, score: 1 }];

describe("the seed's naive cache (the baseline)", () => {
  it('serves a stale result after a write: the flaw the scenarios count', async () => {
    const memory = new MemorySystem({ embedder: new InstantEmbedder(), cache: new NaiveSearchCache() });
    await memory.add('bbbb');
    expect((await memory.search('aaaa', { topK: 1 }))[0].text).toBe('bbbb');
    await memory.add('aaaa');
    expect((await memory.search('aaaa', { topK: 1 }))[0].text).toBe('bbbb'); // stale
    expect((await memory.searchUncached('aaaa', { topK: 1 }))[0].text).toBe('aaaa');
  });

  it('misses near-duplicates and reordered options', async () => {
    const cache = new NaiveSearchCache();
    let n = 0;
    const compute = async () => (n++, resultOf('x'));
    await cache.getOrCompute('paris trip', { topK: 5, filter: { u: 'a' } }, 0, compute);
    await cache.getOrCompute('paris  trip', { topK: 5, filter: { u: 'a' } }, 0, compute);
    await cache.getOrCompute('paris trip', { filter: { u: 'a' }, topK: 5 }, 0, compute);
    await cache.getOrCompute('paris trip', { topK: 5, filter: { u: 'a' } }, 0, compute);
    expect(n).toBe(3);
  });

  it('evicts the oldest insert, even if it was just used', async () => {
    const clock = manualClock();
    const cache = new NaiveSearchCache({ maxEntries: 2, now: clock.now });
    let n = 0;
    const compute = async () => (n++, resultOf('x'));
    await cache.getOrCompute('a', {}, 0, compute);
    await cache.getOrCompute('b', {}, 0, compute);
    await cache.getOrCompute('a', {}, 0, compute); // hit, but a stays the oldest insert
    await cache.getOrCompute('c', {}, 0, compute); // evicts a
    await cache.getOrCompute('a', {}, 0, compute);
    expect(n).toBe(4);
    expect(cache.stats()).toMatchObject({ hits: 1, evictions: 2 });
  });

  it('computes N times for N concurrent identical misses', async () => {
    const cache = new NaiveSearchCache();
    let n = 0;
    await Promise.all([1, 2, 3].map(() => cache.getOrCompute('q', {}, 0, async () => (n++, resultOf('x')))));
    expect(n).toBe(3);
  });
});
