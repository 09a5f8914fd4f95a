import { describe, expect, it } from 'vitest';
import {
  beladyBound,
  infiniteCacheBound,
  lruHits,
  versionedRequests,
  type CacheTraceEvent,
} from '../../src/analysis/belady.ts';
import { createRng } from '../../src/util/rng.ts';

const gets = (keys: string): CacheTraceEvent[] => [...keys].map((key) => ({ kind: 'get', key }));
const objects = (keys: string) => versionedRequests(gets(keys));

describe("Belady's optimal hit count on hand-made traces", () => {
  it('abcabc with room for 2: MIN keeps a and b (2 hits) where LRU gets none', () => {
    const trace = objects('abcabc');
    expect(beladyBound(trace, 2).hits).toBe(2);
    expect(lruHits(trace, 2).hits).toBe(0);
    expect(infiniteCacheBound(trace).hits).toBe(3);
  });

  it('the textbook 1 2 3 4 1 2 5 1 2 3 4 5 with 3 frames: 7 misses, 5 hits', () => {
    const trace = Int32Array.from([1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]);
    const bound = beladyBound(trace, 3);
    expect(bound).toEqual({ requests: 12, hits: 5, hitRate: 5 / 12 });
    expect(lruHits(trace, 3).hits).toBe(2); // LRU: 10 faults
  });

  it('is the infinite-cache bound once everything fits, and 0 for a trace with no repeats', () => {
    const trace = objects('abacabad');
    expect(beladyBound(trace, 4).hits).toBe(infiniteCacheBound(trace).hits);
    expect(beladyBound(objects('abcdef'), 2).hits).toBe(0);
    expect(beladyBound(new Int32Array(0), 1)).toEqual({ requests: 0, hits: 0, hitRate: 0 });
  });

  it('with one slot keeps whichever object comes back first', () => {
    // a b a b: MIN with bypass keeps a (next use 2), bypasses b (next use 3): hits on a only.
    expect(beladyBound(objects('abab'), 1).hits).toBe(1);
    expect(beladyBound(objects('aaba'), 1).hits).toBe(2);
  });

  it('treats an invalidated key as a new object', () => {
    const events: CacheTraceEvent[] = [
      ...gets('aa'),
      { kind: 'invalidate', key: 'a' },
      ...gets('ab'),
      { kind: 'invalidate-all' },
      ...gets('ab'),
    ];
    const trace = versionedRequests(events);
    expect(Array.from(trace)).toEqual([0, 0, 1, 2, 3, 4]);
    expect(infiniteCacheBound(trace).hits).toBe(1);
    expect(beladyBound(trace, 1).hits).toBe(1);
  });

  it('is never below LRU nor above the infinite cache, on random Zipf-like traces', () => {
    const rng = createRng(3);
    for (let round = 0; round < 30; round++) {
      const n = 300;
      const trace = Int32Array.from({ length: n }, () => Math.floor(20 * rng.next() ** 2));
      const capacity = rng.int(1, 10);
      const best = beladyBound(trace, capacity).hits;
      expect(best).toBeGreaterThanOrEqual(lruHits(trace, capacity).hits);
      expect(best).toBeLessThanOrEqual(infiniteCacheBound(trace).hits);
      expect(best).toBe(bruteForceMin(trace, capacity));
    }
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => beladyBound(objects('ab'), 0)).toThrow(/capacity/);
  });
});

/** Farthest-in-future by a plain O(n * capacity) scan, bypass included: an independent reference. */
function bruteForceMin(trace: Int32Array, capacity: number): number {
  const cache = new Set<number>();
  let hits = 0;
  const nextUse = (object: number, after: number) => {
    for (let t = after + 1; t < trace.length; t++) if (trace[t] === object) return t;
    return Number.POSITIVE_INFINITY;
  };
  for (let t = 0; t < trace.length; t++) {
    const x = trace[t];
    if (cache.has(x)) {
      hits++;
      continue;
    }
    if (cache.size < capacity) {
      cache.add(x);
      continue;
    }
    let victim = x;
    let farthest = nextUse(x, t);
    for (const y of cache) {
      const u = nextUse(y, t);
      if (u > farthest) {
        farthest = u;
        victim = y;
      }
    }
    if (victim !== x) {
      cache.delete(victim);
      cache.add(x);
    }
  }
  return hits;
}
