import { describe, expect, it } from 'vitest';
import { estimateEntryBytes, SearchCache } from '../../src/parts/search-cache/search-cache.ts';
import { OptionError } from '../../src/errors.ts';
import type { MemoryResult } from '../../src/memory/types.ts';

const resultOf = (text: string): MemoryResult[] => [{ id: 'm0', text, score: 1 }];

describe('SearchCache capacity and stats', () => {
  it('evicts the least recently used entry when maxEntries is reached', async () => {
    const cache = new SearchCache({ maxEntries: 2 });
    await cache.getOrCompute('a', {}, 0, async () => resultOf('a'));
    await cache.getOrCompute('b', {}, 0, async () => resultOf('b'));
    await cache.getOrCompute('a', {}, 0, async () => resultOf('a')); // a is now the most recent
    await cache.getOrCompute('c', {}, 0, async () => resultOf('c')); // evicts b
    expect(cache.peek('a')).toBeDefined();
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('c')).toBeDefined();
    expect(cache.stats()).toMatchObject({ lookups: 4, hits: 1, misses: 3, evictions: 1, entries: 2, hitRate: 0.25 });
  });

  it('keeps the estimated bytes within maxSizeBytes, and does not store a result larger than the budget', async () => {
    const big = 'x'.repeat(200);
    const one = estimateEntryBytes(`{"topK":5}\nq0`, resultOf(big));
    const cache = new SearchCache({ maxEntries: 100, maxSizeBytes: one * 3 + 10 });
    for (let i = 0; i < 6; i++) await cache.getOrCompute(`q${i}`, {}, 0, async () => resultOf(big));
    const stats = cache.stats();
    expect(stats.entries).toBe(3);
    expect(stats.sizeBytes).toBeLessThanOrEqual(one * 3 + 10);
    expect(stats.evictions).toBe(3);
    const huge = await cache.getOrCompute('huge', {}, 0, async () => resultOf('y'.repeat(10_000)));
    expect(huge).toHaveLength(1); // returned to the caller...
    expect(cache.peek('huge')).toBeUndefined(); // ...but not stored
  });

  it('uses a custom size calculation', async () => {
    const cache = new SearchCache({ maxSizeBytes: 10, sizeOf: (_key, results) => results.length * 4 });
    await cache.getOrCompute('a', {}, 0, async () => [...resultOf('a'), ...resultOf('b')]); // 8
    await cache.getOrCompute('b', {}, 0, async () => resultOf('b')); // 4: evicts a
    expect(cache.stats()).toMatchObject({ entries: 1, sizeBytes: 4, evictions: 1 });
  });

  it('freezes served results so one caller cannot corrupt another', async () => {
    const cache = new SearchCache();
    const served = await cache.getOrCompute('q', {}, 0, async () => resultOf('a'));
    expect(Object.isFrozen(served)).toBe(true);
    expect(Object.isFrozen(served[0])).toBe(true);
    expect(() => (served as MemoryResult[]).push(resultOf('b')[0])).toThrow(TypeError);
  });

  it('fails at construction on bad options, saying what was expected', () => {
    expect(() => new SearchCache({ maxEntries: 0 })).toThrow(OptionError);
    expect(() => new SearchCache({ maxEntries: 2.5 })).toThrow(/maxEntries.*positive integer/);
    expect(() => new SearchCache({ maxSizeBytes: -1 })).toThrow(/maxSizeBytes/);
    expect(() => new SearchCache({ invalidation: 'sometimes' as never })).toThrow(/'generation' or 'targeted'/);
    expect(() => new SearchCache({ scoreMargin: -1 })).toThrow(/scoreMargin/);
  });
});
