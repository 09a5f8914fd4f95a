import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import { SearchCache } from '../../src/parts/search-cache/search-cache.ts';

describe('a bad per-entry TTL', () => {
  it('rejects the returned promise (never throws synchronously), counts nothing, and is refused on a hit too', async () => {
    const cache = new SearchCache({ ttlMs: 0 });
    const compute = async () => [];
    for (const bad of [-1, 1.5, Number.NaN, '10' as unknown as number]) {
      let call: Promise<unknown> | undefined;
      expect(() => (call = cache.getOrCompute('q', {}, 0, compute, { ttlMs: bad }))).not.toThrow();
      await expect(call).rejects.toBeInstanceOf(OptionError);
      await expect(call).rejects.toThrow(/entryOptions\.ttlMs/);
    }
    expect(cache.stats().lookups).toBe(0);
    await cache.getOrCompute('q', {}, 0, compute, { ttlMs: 10 });
    // The entry is cached: a lookup with a bad TTL is still refused, not served.
    await expect(cache.getOrCompute('q', {}, 0, compute, { ttlMs: -5 })).rejects.toBeInstanceOf(OptionError);
    expect(cache.stats()).toMatchObject({ lookups: 1, misses: 1, hits: 0 });
  });
});
