import { describe, expect, it } from 'vitest';
import { runSearcherStress, stressSeedCount } from '../support/race-checker.ts';

/**
 * Worker-thread searches racing main-thread adds, replacements and removals on one SharedVectorIndex: every
 * answer must equal NaiveIndex on the writes made before the search was called, and no write may be lost.
 * Each seed starts and closes its own two-worker pool, so this file keeps its seed count lower than the
 * in-process stress; `MEMOPT_STRESS_SEEDS=500` runs more.
 */
const SEEDS = Math.max(1, Math.ceil(stressSeedCount(40) / 4));
/** Each seed starts a pool: ~100-300 ms on a shared 2-core machine. */
const TIMEOUT_MS = Math.max(30_000, SEEDS * 1_500);

describe('worker search race stress', () => {
  it(`no race over ${SEEDS} seeded interleavings of worker searches and main-thread writes`, async () => {
    let searches = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const report = await runSearcherStress({ seed });
      expect(report.violations, `seed ${seed}`).toEqual([]);
      searches += report.searchesChecked;
    }
    expect(searches).toBeGreaterThan(SEEDS * 20);
  }, TIMEOUT_MS);
});
