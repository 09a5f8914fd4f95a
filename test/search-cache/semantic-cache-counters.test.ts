import { beforeAll, describe, expect, it } from 'vitest';
import { metricsOf, replay, semanticCacheDriver, type PreparedSemantic } from '../../src/drivers/semantic-cache.ts';
import type { SearchResultCache } from '../../src/memory/types.ts';
import { cacheParamsSchema } from '../../src/parts/registry.ts';
import type { EmbeddingsEndpoint } from '../../src/endpoint/types.ts';
import { InputError } from '../../src/errors.ts';

// The semantic-cache driver's counters catch what they are there to catch: a threshold that lets everything through
// (false hits), a guard switched off (adversarial false hits), invalidation cut off (stale results). Small replays on
// the shipped USE-lite vectors of the labelled workload (2 users, 8 pairs of each kind, a rewrite every 5 searches).
let prepared: PreparedSemantic;
beforeAll(async () => {
  const workload = semanticCacheDriver.workloadSchema.parse({ vectors: 'use-lite', users: 2, pairsPerKind: 8, writeEvery: 5 });
  prepared = await semanticCacheDriver.prepare(workload, { seed: 42, quick: true, file: 'test', endpoint: {} as EmbeddingsEndpoint });
});

const run = async (params: Record<string, unknown>, wrapCache?: (cache: SearchResultCache) => SearchResultCache) =>
  metricsOf(await replay(prepared, cacheParamsSchema.parse(params), wrapCache ? { wrapCache } : {}));

describe('semantic cache counters', () => {
  it('the exact-key cache has no false hit and no stale result', async () => {
    const m = await run({ cache: 'search-cache' });
    expect(m.lookups).toBe(prepared.ops.filter((op) => op.kind === 'search').length);
    expect(m.hit_rate).toBeGreaterThan(0);
    expect(m.false_hits).toBe(0);
    expect(m.stale_results).toBe(0);
    expect(m.semantic_hits).toBe(0);
  });

  it('a threshold that serves everything makes false hits, never stale ones; a high one makes none', async () => {
    const broken = await run({ cache: 'semantic', policy: 'fixed', threshold: -1 });
    expect(broken.semantic_hits).toBeGreaterThan(0);
    expect(broken.false_hits).toBeGreaterThan(0);
    expect(broken.adversarial_false_hits).toBeGreaterThan(0);
    expect(broken.false_hit_upper95).toBeGreaterThan(0.1);
    expect(broken.stale_results).toBe(0);
    const strict = await run({ cache: 'semantic', policy: 'fixed', threshold: 0.999 });
    expect(strict.false_hits).toBe(0);
  });

  it('the guard removes false hits a loose threshold lets through, and switched off it does not', async () => {
    const without = await run({ cache: 'semantic', policy: 'fixed', threshold: 0.7 });
    const withGuard = await run({ cache: 'semantic', policy: 'fixed', threshold: 0.7, guard: true });
    expect(without.adversarial_false_hits).toBeGreaterThan(withGuard.adversarial_false_hits);
    expect(withGuard.guard_refusals).toBeGreaterThan(0);
    expect(without.guard_refusals).toBe(0);
  });

  it('invalidation cut off (writes not passed to the cache) makes stale results', async () => {
    const cutOff = (cache: SearchResultCache): SearchResultCache => ({
      getOrCompute: (query, options, _generation, compute) => cache.getOrCompute(query, options, 0, compute),
      onWrite: () => {},
      stats: () => (cache.stats?.() ?? {}) as Record<string, number>,
    });
    const exact = await run({ cache: 'semantic', policy: 'fixed', threshold: 0.95 });
    expect(exact.stale_results).toBe(0);
    const broken = await run({ cache: 'semantic', policy: 'fixed', threshold: 0.95 }, cutOff);
    expect(broken.stale_results).toBeGreaterThan(0);
  });

  it('reproduces every counter from the seed', async () => {
    const params = { cache: 'semantic', policy: 'adaptive', errorBound: 0.05, verifyShare: 0.2 };
    const a = await run(params);
    const b = await run(params);
    const { replay_ms: _a, ...countersA } = a;
    const { replay_ms: _b, ...countersB } = b;
    expect(countersA).toEqual(countersB);
    expect(a.verifications).toBeGreaterThan(0);
  });

  it('refuses, as an input error naming the field, a workload whose texts the shipped vectors do not cover', async () => {
    const workload = semanticCacheDriver.workloadSchema.parse({ vectors: 'use-lite', users: 2, pairsPerKind: 1 });
    const failure = semanticCacheDriver.prepare(workload, { seed: 7, quick: true, file: 'test', endpoint: {} as EmbeddingsEndpoint });
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(/workload\.vectors.*no row for/);
  });

  it('the optimized side returns the sweep (charted, both guard settings) and the per-kind table', async () => {
    const workload = { ...prepared.workload, sweep: { thresholds: [0.9, 0.999], errorBounds: [0.01] }, bound: 0.5 };
    const params = cacheParamsSchema.parse({ cache: 'semantic', policy: 'adaptive', errorBound: 0.01, guard: true });
    const context = { side: 'optimized', repetition: 0, log: () => {}, note: () => {} } as unknown as Parameters<typeof semanticCacheDriver.run>[2];
    const out = await semanticCacheDriver.run({ ...prepared, workload }, params, context);
    const sweep = out.details!.find((d) => d.name === 'sweep')!;
    expect(sweep.rows).toHaveLength(6); // (2 thresholds + 1 bound) x guard off/on
    expect(sweep.chart?.type).toBe('line');
    const kinds = out.details!.find((d) => d.name === 'pair_kinds')!;
    expect(kinds.rows).toHaveLength(7 * (2 + 6));
    // With a bound of 0.5 every fixed threshold qualifies: the ratio is measured against the best of them.
    const hitRate = (row: (typeof sweep.rows)[number]) => row[sweep.columns.indexOf('hit_rate')] as number;
    const bestGuarded = Math.max(...sweep.rows.filter((r) => r[0] === 'fixed' && r[1] === true).map(hitRate));
    expect(out.metrics.adaptive_vs_best_fixed).toBeCloseTo(out.metrics.hit_rate / bestGuarded, 12);
  });
});
