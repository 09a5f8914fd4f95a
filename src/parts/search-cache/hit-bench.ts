/**
 * Times a SearchCache hit with tinybench: `getOrCompute` for a search whose valid result is stored. Each timed
 * iteration looks up every search of the list once (so one iteration is long enough for the timer to resolve,
 * and keys vary as in a real trace); the cost per hit is the iteration's mean over the list's length.
 *
 * What is timed is the cache's own synchronous work on a hit: canonicalizing the key, the LRU lookup, the validity
 * check, and handing back an already-resolved promise. The caller's `await` of that promise is not the cache's
 * work and is not included. Like lru-cache's benchmark, it refuses to time a cache that does not hit: one checked
 * pass comes first.
 */
import { Bench } from 'tinybench';
import type { MemoryResult, SearchOptions } from '../../memory/types.ts';
import type { QueryNormalization } from './keys.ts';
import { SearchCache } from './search-cache.ts';

export interface HitCostOptions {
  /** The searches to look up (e.g. a trace's distinct searches). Required, non-empty. */
  searches: ReadonlyArray<{ text: string; options?: SearchOptions }>;
  normalization?: QueryNormalization;
  /** The cache's TTL (ms, 0 = none): with one, every hit also reads the clock. Default 0. */
  ttlMs?: number;
  /** tinybench time budget, ms. Default 300. */
  timeMs?: number;
}

export interface HitCostResult {
  /** Distinct keys looked up per iteration. */
  keys: number;
  /** Mean time per hit, µs. */
  usPerHit: number;
  /** Relative margin of error of the mean, %. */
  rme: number;
  samples: number;
}

export async function measureHitCost(options: HitCostOptions): Promise<HitCostResult> {
  const searches = options.searches;
  if (searches.length === 0) throw new RangeError('measureHitCost: no searches');
  const cache = new SearchCache({ maxEntries: searches.length, normalization: options.normalization, ttlMs: options.ttlMs ?? 0 });
  const result: MemoryResult[] = [{ id: 'm0', text: 'a stored memory', score: 0.5 }];
  const compute = () => Promise.resolve(result.map((r) => ({ ...r })));
  for (const s of searches) await cache.getOrCompute(s.text, s.options ?? {}, 0, compute);
  const keys = cache.stats().entries;

  // Correctness first: a checked pass must hit for every search.
  const before = cache.stats().hits;
  for (const s of searches) await cache.getOrCompute(s.text, s.options ?? {}, 0, compute);
  if (cache.stats().hits - before !== searches.length) {
    throw new Error('measureHitCost: the cache missed a stored search; refusing to time it');
  }

  const bench = new Bench({ name: 'search cache hit', time: options.timeMs ?? 300, warmupTime: 100, iterations: 10 });
  bench.add('hit', () => {
    for (let i = 0; i < searches.length; i++) cache.getOrCompute(searches[i].text, searches[i].options ?? {}, 0, compute);
  });
  await bench.run();
  const task = bench.getTask('hit')?.result;
  if (task?.state !== 'completed') throw new Error(`measureHitCost: the benchmark did not complete (${task?.state})`);
  return {
    keys,
    usPerHit: (task.latency.mean * 1000) / searches.length,
    rme: task.latency.rme,
    samples: task.latency.samplesCount,
  };
}
