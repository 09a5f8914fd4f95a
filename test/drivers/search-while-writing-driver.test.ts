import { describe, expect, it } from 'vitest';
import { measureOneIndex, runThroughMemory, searchWhileWritingDriver } from '../../src/drivers/search-while-writing.ts';
import type { VectorIndex } from '../../src/memory/types.ts';
import { createIndex, type IndexParams } from '../../src/parts/registry.ts';
import { InputError } from '../../src/errors.ts';
import { delegatingIndex } from '../support/delegating-index.ts';
import { prepareContext } from '../support/endpoints.ts';

// 150 mock memories, 100 new texts for writes, 8 distinct queries (so a cache hits), 2 pairs of 30-search blocks.
const workload = searchWhileWritingDriver.workloadSchema.parse({
  size: 150,
  poolSize: 100,
  queryCount: 8,
  blockPairs: 2,
  searchesPerBlock: 30,
  searchesPerSecond: 100,
  writesPerSecond: 100,
});
const prepared = searchWhileWritingDriver.prepare(workload, prepareContext(11));

type Environment = Parameters<typeof createIndex>[1];

/** An index whose remove() reports success and removes nothing. */
async function ignoresDeletes(params: IndexParams, environment: Environment): Promise<VectorIndex> {
  return delegatingIndex(await createIndex(params, environment), { remove: () => true });
}

/** An index whose add() keeps the first vector of an id (an update is lost). */
async function ignoresUpdates(params: IndexParams, environment: Environment): Promise<VectorIndex> {
  const inner = await createIndex(params, environment);
  const seen = new Set<string>();
  return delegatingIndex(inner, {
    add: (id, vector, attributes) => {
      if (seen.has(id)) return;
      seen.add(id);
      return inner.add(id, vector, attributes);
    },
    addMany: (entries) => {
      for (const [id, vector, attributes] of entries) {
        seen.add(id);
        void inner.add(id, vector, attributes);
      }
    },
  });
}

describe('search-while-writing driver', () => {
  it('has writes among the searches, every kind of them', async () => {
    const { counts, events } = (await prepared).schedule;
    expect(counts.searches).toBe(120);
    expect(counts.inserts).toBeGreaterThan(0);
    expect(counts.updates).toBeGreaterThan(0);
    expect(counts.deletes).toBeGreaterThan(0);
    // Quiet blocks have no writes: every write falls between two searches of a writing block.
    for (let i = 1; i < events.length - 1; i++) {
      if (events[i].kind === 'search') continue;
      const next = events.slice(i + 1).find((e) => e.kind === 'search');
      expect(next && next.kind === 'search' && next.phase).toBe('writing');
    }
  });

  it('serves no stale result through the SearchCache and loses no write, with cache hits', async () => {
    const { metrics } = await runThroughMemory(await prepared, { cache: { cache: 'search-cache', maxEntries: 1000, ttlMs: 0, invalidation: 'targeted', embeddingCacheEntries: 1000 } });
    expect(metrics.stale_results).toBe(0);
    expect(metrics.lost_writes).toBe(0);
    expect(metrics.recall_at_10).toBe(1);
    expect(metrics.cache_hits).toBeGreaterThan(0);
  });

  it('counts stale results through a cache that does not invalidate on writes', async () => {
    const { metrics } = await runThroughMemory(await prepared, { cache: { cache: 'naive', maxEntries: 1000, ttlMs: 300_000 } });
    expect(metrics.stale_results).toBeGreaterThan(0);
    expect(metrics.recall_at_10).toBeLessThan(1);
  });

  it('measures FlatIndex at recall 1 against the data as it stood, with no lost write and no deleted hit', async () => {
    const m = await measureOneIndex(await prepared, { index: 'flat' });
    expect(m.recallQuiet).toBe(1);
    expect(m.recallWriting).toBe(1);
    expect(m.lost).toBe(0);
    expect(m.deletedResults).toBe(0);
    expect(m.writes).toBeGreaterThan(0);
  });

  it('counts lost writes and deleted hits when deletes do nothing', async () => {
    const m = await measureOneIndex(await prepared, { index: 'flat' }, ignoresDeletes);
    expect(m.lost).toBeGreaterThan(0);
    expect(m.recallWriting).toBeLessThan(1);
  });

  it('counts lost writes when updates do nothing', async () => {
    const m = await measureOneIndex(await prepared, { index: 'flat' }, ignoresUpdates);
    expect(m.lost).toBeGreaterThan(0);
  });

  it('refuses, as bad input naming workload.poolSize, a schedule whose writes outrun the new texts', async () => {
    const tooFew = searchWhileWritingDriver.workloadSchema.parse({ size: 20, poolSize: 2, queryCount: 2, blockPairs: 1, searchesPerBlock: 20, mix: { insert: 1, update: 0, delete: 0 } });
    const refused = searchWhileWritingDriver.prepare(tooFew, prepareContext(11));
    await expect(refused).rejects.toBeInstanceOf(InputError);
    await expect(refused).rejects.toThrow(/workload\.poolSize.*ran out/);
  });
});
