import { describe, expect, it } from 'vitest';
import { measureHitCost } from '../../src/parts/search-cache/hit-bench.ts';

// Shape and counters only: the timing itself is never asserted (a loaded machine would make it flake).
describe('measureHitCost: the cost of a SearchCache hit', () => {
  it('looks up one key per distinct canonical search and times at least its minimum iterations', async () => {
    const result = await measureHitCost({
      searches: [
        { text: 'Hello  world' },
        { text: 'hello world' }, // the same key under case folding
        { text: 'hello world', options: { topK: 3 } },
        { text: 'other', options: { filter: { group: 1 } } },
      ],
      normalization: { caseFold: true },
      timeMs: 1,
    });
    expect(result.keys).toBe(3);
    expect(result.samples).toBeGreaterThanOrEqual(10);
    expect(Number.isFinite(result.usPerHit)).toBe(true);
    expect(Number.isFinite(result.rme)).toBe(true);
  });

  it('keeps case-distinct searches apart without case folding, TTL on or off', async () => {
    const searches = [{ text: 'Hello' }, { text: 'hello' }];
    expect((await measureHitCost({ searches, timeMs: 1 })).keys).toBe(2);
    expect((await measureHitCost({ searches, timeMs: 1, ttlMs: 60_000 })).keys).toBe(2);
  });

  it('rejects an empty search list before timing anything', async () => {
    await expect(measureHitCost({ searches: [] })).rejects.toThrow(/no searches/);
  });
});
