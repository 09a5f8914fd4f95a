import { describe, expect, it } from 'vitest';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import type { MemoryResult, SearchOptions, SearchResultCache } from '../../src/memory/types.ts';
import { runMemoryStress, stressSeedCount } from '../support/race-checker.ts';

/**
 * Concurrent add / update / delete / search on one MemorySystem, embeddings resolving in a seeded random order,
 * checked against a sequential replay in effect order (test/support/race-checker.ts says exactly what is checked).
 * Quick by default; `MEMOPT_STRESS_SEEDS=500 npx vitest run test/race-` runs 500 seeds per configuration.
 */
const SEEDS = stressSeedCount(40);
/** Generous on a shared 2-core machine: ~40 ms per seed when idle. */
const TIMEOUT_MS = Math.max(30_000, SEEDS * 250);

const configurations = [
  { index: 'shared', cache: 'none' },
  { index: 'naive', cache: 'generation' },
  { index: 'shared', cache: 'generation' },
  { index: 'shared', cache: 'targeted' },
] as const;

describe('memory race stress', () => {
  for (const config of configurations) {
    it(`no race over ${SEEDS} seeded interleavings: ${config.index} index, cache ${config.cache}`, async () => {
      let searches = 0;
      let writes = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const report = await runMemoryStress({ seed, ...config });
        expect(report.violations, `seed ${seed}`).toEqual([]);
        searches += report.searchesChecked;
        writes += report.writes;
      }
      // The runs did real work: searches checked and writes applied in every configuration.
      expect(searches).toBeGreaterThan(SEEDS * 10);
      expect(writes).toBeGreaterThan(SEEDS * 10);
    }, TIMEOUT_MS);
  }

  it('the same seed gives the same interleaving (reproducible failures)', async () => {
    const a = await runMemoryStress({ seed: 7, cache: 'targeted' });
    const b = await runMemoryStress({ seed: 7, cache: 'targeted' });
    expect(a).toEqual(b);
  });
});

describe('the race checker is not vacuous', () => {
  it('catches a cache that serves results computed before a write', async () => {
    // Memoizes forever: ignores generations and writes.
    const staleCache = () => {
      const stored = new Map<string, Promise<MemoryResult[]>>();
      return {
        getOrCompute(query: string, options: SearchOptions, _generation: number, compute: () => Promise<MemoryResult[]>) {
          const key = `${query}|${JSON.stringify(options)}`;
          if (!stored.has(key)) stored.set(key, compute());
          return stored.get(key)!;
        },
        onWrite() {},
      } satisfies SearchResultCache;
    };
    const caught = await firstViolation((seed) => runMemoryStress({ seed, cache: staleCache }));
    expect(caught).toMatch(/which no replayed state in that range gives|final search/);
  });

  it('catches an index that loses writes', async () => {
    const leaky = () => {
      const index = new NaiveIndex();
      let adds = 0;
      const add = index.add.bind(index);
      index.add = (id, vector) => {
        if (++adds % 5 !== 0) add(id, vector); // every 5th write silently dropped
      };
      return index;
    };
    const caught = await firstViolation((seed) => runMemoryStress({ seed, index: leaky, cache: 'none' }));
    expect(caught).toBeDefined();
  });
});

async function firstViolation(run: (seed: number) => Promise<{ violations: string[] }>): Promise<string | undefined> {
  for (let seed = 1; seed <= 20; seed++) {
    const { violations } = await run(seed);
    if (violations.length > 0) return violations[0];
  }
  return undefined;
}
