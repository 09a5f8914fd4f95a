import { describe, expect, it } from 'vitest';
import { EmbeddingCache } from '../../src/parts/search-cache/embedding-cache.ts';
import { NaiveSearchCache } from '../../src/parts/search-cache/naive-cache.ts';
import { SearchCache, ttlClock } from '../../src/parts/search-cache/search-cache.ts';
import { OptionError } from '../../src/errors.ts';
import { InstantEmbedder, manualClock } from '../support/cache-fakes.ts';

const result = [{ id: 'm0', text: 'x', score: 0.9 }];

function counter() {
  const calls = { n: 0 };
  return { calls, compute: async () => (calls.n++, result.map((r) => ({ ...r }))) };
}

describe('SearchCache TTL, with a controlled clock', () => {
  it('serves an entry up to its TTL inclusive and expires it one ms later', async () => {
    const clock = manualClock(0); // a clock starting at 0 must work too (lru-cache reads start 0 as "no TTL")
    const cache = new SearchCache({ ttlMs: 100, now: clock.now });
    const { calls, compute } = counter();
    await cache.getOrCompute('q', {}, 0, compute);
    clock.advance(100);
    await cache.getOrCompute('q', {}, 0, compute);
    expect(calls.n).toBe(1);
    clock.advance(1);
    await cache.getOrCompute('q', {}, 0, compute);
    expect(calls.n).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, expirations: 1 });
  });

  it('honours a per-entry TTL over the cache default, both shorter and longer', async () => {
    const clock = manualClock();
    const cache = new SearchCache({ ttlMs: 1_000, now: clock.now });
    const { calls, compute } = counter();
    await cache.getOrCompute('short', {}, 0, compute, { ttlMs: 10 });
    await cache.getOrCompute('long', {}, 0, compute, { ttlMs: 5_000 });
    await cache.getOrCompute('default', {}, 0, compute);
    clock.advance(11);
    expect(cache.peek('short')).toBeUndefined();
    expect(cache.peek('long')).toBeDefined();
    expect(cache.peek('default')).toBeDefined();
    clock.advance(1_000);
    expect(cache.peek('default')).toBeUndefined();
    expect(cache.peek('long')).toBeDefined();
    clock.advance(4_000);
    expect(cache.peek('long')).toBeUndefined();
    expect(calls.n).toBe(3);
  });

  it('counts an entry\'s age from the start of its computation, not from when it was stored', async () => {
    const clock = manualClock();
    const cache = new SearchCache({ ttlMs: 100, now: clock.now });
    const { calls, compute } = counter();
    // A computation that takes 40 ms: the index may have been read at any time from t=0 on.
    await cache.getOrCompute('slow', {}, 0, async () => {
      clock.advance(40);
      return compute();
    });
    clock.advance(60); // t=100: exactly the TTL since the computation started
    expect(cache.peek('slow')).toBeDefined();
    clock.advance(1); // t=101: past it, although the entry was stored only 61 ms ago
    expect(cache.peek('slow')).toBeUndefined();
    expect(calls.n).toBe(1);
  });

  it('serves no result past its TTL when the store runs late behind other callers\' work (the CI race)', async () => {
    const clock = manualClock();
    const cache = new SearchCache({ ttlMs: 100, now: clock.now });
    let resolvedAt = -1;
    const computation = cache.getOrCompute('q', {}, 0, () =>
      Promise.resolve(result.map((r) => ({ ...r }))).then((r) => {
        resolvedAt = clock.now(); // the moment the result exists (what the scenario's audit stamps)
        return r;
      }),
    );
    // Work queued by other clients runs between the resolution and the cache's store: 30 ms of scans.
    void Promise.resolve().then(() => clock.advance(30));
    await computation;
    const age = (at: number) => at - resolvedAt;
    clock.advance(100 - age(clock.now())); // exactly the TTL since the result was computed
    expect(cache.peek('q')).toBeDefined();
    clock.advance(1);
    expect(age(clock.now())).toBe(101);
    expect(cache.peek('q')).toBeUndefined();
  });

  it('does not store a result whose computation outlived the TTL, nor let a caller join it once past the TTL', async () => {
    const clock = manualClock();
    const cache = new SearchCache({ ttlMs: 50, now: clock.now });
    const { calls, compute } = counter();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cache.getOrCompute('q', {}, 0, async () => {
      await gate;
      return compute();
    });
    clock.advance(30);
    const joined = cache.getOrCompute('q', {}, 0, compute); // within the TTL: joins
    clock.advance(30); // 60 ms since the computation started
    const fresh = cache.getOrCompute('q', {}, 0, compute); // past it: computes anew
    release();
    await Promise.all([slow, joined, fresh]);
    expect(cache.stats()).toMatchObject({ inflightJoins: 1, misses: 2, evictions: 0 });
    expect(calls.n).toBe(2);
    clock.advance(1);
    expect(cache.peek('q')).toBeDefined(); // the fresh one, started at 60, stored at 60
    clock.advance(50);
    expect(cache.peek('q')).toBeUndefined();
  });

  it('never expires with ttlMs 0, unless an entry asks for a TTL', async () => {
    const clock = manualClock();
    const cache = new SearchCache({ now: clock.now });
    const { compute } = counter();
    await cache.getOrCompute('forever', {}, 0, compute);
    await cache.getOrCompute('brief', {}, 0, compute, { ttlMs: 5 });
    clock.advance(10_000_000);
    expect(cache.peek('forever')).toBeDefined();
    expect(cache.peek('brief')).toBeUndefined();
  });

  it('reads the clock on every staleness check: time that passes with no timer run is seen at once', async () => {
    // lru-cache's default (ttlResolution 1) caches the time at a check until a 1 ms timer clears it, so while the
    // event loop is busy an entry can be served past its TTL. SearchCache reads the clock at every check instead.
    const clock = manualClock();
    let reads = 0;
    const cache = new SearchCache({ ttlMs: 5, now: () => (reads++, clock.now()) });
    const { calls, compute } = counter();
    await cache.getOrCompute('q', {}, 0, compute);
    cache.peek('q'); // a staleness check, at which a caching clock would keep this time
    const before = reads;
    clock.advance(6); // no await in between: no timer could have run
    await cache.getOrCompute('q', {}, 0, compute);
    expect(reads).toBeGreaterThan(before);
    expect(calls.n).toBe(2);
    // The default clock (performance.now) is configured the same way: no time resolution to cache.
    expect(ttlClock(undefined).ttlResolution).toBe(0);
  });

  it('rejects a TTL that is not a non-negative integer, at construction and per entry', async () => {
    expect(() => new SearchCache({ ttlMs: -1 })).toThrow(OptionError);
    expect(() => new SearchCache({ ttlMs: 1.5 })).toThrow(/non-negative integer/);
    const cache = new SearchCache();
    await expect(cache.getOrCompute('q', {}, 0, async () => [], { ttlMs: Number.NaN })).rejects.toThrow(OptionError);
  });
});

describe('EmbeddingCache and NaiveSearchCache TTL', () => {
  it('re-embeds a text once its vector has expired', async () => {
    const clock = manualClock();
    const inner = new InstantEmbedder();
    const cache = new EmbeddingCache(inner, { ttlMs: 50, now: clock.now });
    await cache.embed('a');
    clock.advance(50);
    await cache.embed('a');
    expect(inner.calls).toBe(1);
    clock.advance(1);
    await cache.embed('a');
    expect(inner.calls).toBe(2);
  });

  it('gives the naive cache its one fixed TTL', async () => {
    const clock = manualClock();
    const cache = new NaiveSearchCache({ ttlMs: 100, now: clock.now });
    const { calls, compute } = counter();
    await cache.getOrCompute('q', {}, 0, compute);
    clock.advance(99);
    await cache.getOrCompute('q', {}, 0, compute);
    clock.advance(1);
    await cache.getOrCompute('q', {}, 0, compute);
    expect(calls.n).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, expirations: 1 });
  });
});
