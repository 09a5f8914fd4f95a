import { describe, expect, it } from 'vitest';
import { createCachedMemory } from '../../src/parts/search-cache/cached-memory.ts';
import type { InvalidationPolicy } from '../../src/parts/search-cache/search-cache.ts';
import { SearchCache } from '../../src/parts/search-cache/search-cache.ts';
import type { MemoryResult, SearchOptions } from '../../src/memory/types.ts';
import { createRng } from '../../src/util/rng.ts';
import { GatedEmbedder, InstantEmbedder, settle } from '../support/cache-fakes.ts';
import { letterVector } from '../support/fake-embedder.ts';

const policies: InvalidationPolicy[] = ['generation', 'targeted'];

function ids(results: readonly MemoryResult[]): string[] {
  return results.map((r) => r.id);
}

async function setup(invalidation: InvalidationPolicy) {
  const embedder = new InstantEmbedder();
  const cached = createCachedMemory({ embedder, cache: { invalidation } });
  for (const text of ['aaaa', 'bbbb', 'cccc', 'abab']) await cached.memory.add(text);
  return cached;
}

/** The answer now, with no cache and no API: the reference a served result must equal. */
function fresh(memory: Awaited<ReturnType<typeof setup>>['memory'], query: string, options: SearchOptions = {}) {
  return memory.searchByVector(letterVector(query), options);
}

describe.each(policies)('no stale result after a write (%s invalidation)', (invalidation) => {
  it('after an add that enters the top-k', async () => {
    const { memory } = await setup(invalidation);
    await memory.search('aaaa', { topK: 2 });
    await memory.add('aaab');
    expect(ids(await memory.search('aaaa', { topK: 2 }))).toEqual(ids(await fresh(memory, 'aaaa', { topK: 2 })));
    expect(ids(await memory.search('aaaa', { topK: 2 }))).toContain('m4');
  });

  it('after an update of a result, even when its rank does not change', async () => {
    const { memory } = await setup(invalidation);
    const before = await memory.search('aaaa', { topK: 1 });
    await memory.update(before[0].id, 'aaaa ');
    const after = await memory.search('aaaa', { topK: 1 });
    expect(after[0].text).toBe('aaaa ');
    expect(after).toEqual(await fresh(memory, 'aaaa', { topK: 1 }));
  });

  it('after an update that moves a memory into the top-k', async () => {
    const { memory } = await setup(invalidation);
    await memory.search('cccc', { topK: 1 });
    await memory.update('m0', 'cccc');
    expect(await memory.search('cccc', { topK: 1 })).toEqual(await fresh(memory, 'cccc', { topK: 1 }));
  });

  it('after a delete of a result', async () => {
    const { memory } = await setup(invalidation);
    const before = await memory.search('bbbb', { topK: 2 });
    await memory.delete(before[0].id);
    const after = await memory.search('bbbb', { topK: 2 });
    expect(ids(after)).not.toContain(before[0].id);
    expect(after).toEqual(await fresh(memory, 'bbbb', { topK: 2 }));
  });

  it('after an add that matches the filter of a short filtered result', async () => {
    const embedder = new InstantEmbedder();
    const { memory } = createCachedMemory({ embedder, cache: { invalidation } });
    await memory.add('zzzz', { user: 'u' });
    await memory.add('aaaa', { user: 'v' });
    const options = { topK: 3, filter: { user: 'u' } };
    expect(await memory.search('aaaa', options)).toHaveLength(1);
    await memory.add('yyyy', { user: 'u' });
    expect(await memory.search('aaaa', options)).toEqual(await fresh(memory, 'aaaa', options));
  });

  it('never serves a search that scanned before a write that landed while it was in flight', async () => {
    const embedder = new GatedEmbedder();
    const { memory, cache } = createCachedMemory({ embedder, cache: { invalidation } });
    embedder.open = true;
    await memory.add('aaaa');
    embedder.open = false;
    const search = memory.search('aaab', { topK: 1 }); // waits for its embedding
    await settle();
    embedder.open = true;
    await memory.add('aaab'); // lands while the search is in flight
    embedder.open = false;
    await embedder.releaseAll(); // the search scans now, after the add: fine for its caller
    await search;
    embedder.open = true;
    expect(await memory.search('aaab', { topK: 1 })).toEqual(await fresh(memory, 'aaab', { topK: 1 }));
    expect(cache.stats().hits).toBe(0);
  });

  it('gives the same answers as the uncached memory under interleaved concurrent searches and writes', async () => {
    const rng = createRng(7);
    const embedder = new InstantEmbedder();
    const { memory, cache } = createCachedMemory({ embedder, cache: { invalidation, maxEntries: 8 }, normalization: { caseFold: true } });
    const words = ['aaaa', 'abcd', 'bbbb', 'bcda', 'cccc', 'dddd', 'abab', 'cdcd', 'aabb', 'ccdd'];
    const ids: string[] = [];
    for (const w of words.slice(0, 4)) ids.push(await memory.add(w, { g: w.length % 2 }));
    let stale = 0;
    let checked = 0;
    const client = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const roll = rng.next();
        if (roll < 0.1) ids.push(await memory.add(rng.pick(words) + rng.pick(words), { g: rng.int(0, 1) }));
        else if (roll < 0.15 && ids.length > 2) void memory.delete(ids.splice(rng.int(0, ids.length - 1), 1)[0]);
        else if (roll < 0.2 && ids.length > 0) await memory.update(rng.pick(ids), rng.pick(words)).catch(() => {});
        else {
          const query = rng.pick(words).slice(0, rng.int(2, 4));
          const options: SearchOptions = rng.next() < 0.3 ? { filter: { g: 0 }, topK: 2 } : { topK: rng.int(1, 3) };
          const generationAtCall = memory.generation;
          const served = await memory.search(rng.next() < 0.5 ? query : ` ${query.toUpperCase()} `, options);
          // Writes are instant here, so the search's window is one point unless a write landed during it.
          if (memory.generation === generationAtCall) {
            checked++;
            if (JSON.stringify(served) !== JSON.stringify(await fresh(memory, query, options))) stale++;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, () => client(150)));
    expect(checked).toBeGreaterThan(150);
    expect(stale).toBe(0);
    expect(cache.stats().hits).toBeGreaterThan(0);
  });
});

describe('targeted invalidation', () => {
  it('keeps entries a write cannot change and drops the ones it can', async () => {
    const { memory, cache } = await setup('targeted');
    await memory.search('aaaa', { topK: 1 }); // m0 'aaaa', score 1: nothing can beat it
    await memory.search('cccc', { topK: 2 });
    await memory.add('cccb');
    expect(cache.stats().invalidations).toBe(1);
    await memory.search('aaaa', { topK: 1 });
    expect(cache.stats().hits).toBe(1);
    await memory.delete('m1'); // 'bbbb' is in neither cached result
    await memory.search('aaaa', { topK: 1 });
    expect(cache.stats().hits).toBe(2);
  });

  it('invalidates everything when it learns of a write it was not told about', async () => {
    const cache = new SearchCache({
      invalidation: 'targeted',
      inspector: { queryVector: () => undefined, memoryVector: () => undefined, record: () => undefined },
    });
    await cache.getOrCompute('q', {}, 0, async () => []);
    cache.onWrite({ kind: 'delete', id: 'x', generation: 3 }); // generations 1 and 2 were missed
    let computed = false;
    await cache.getOrCompute('q', {}, 3, async () => ((computed = true), []));
    expect(computed).toBe(true);
    expect(cache.stats().staleRejects).toBe(1);
  });

  it('needs an inspector', () => {
    expect(() => new SearchCache({ invalidation: 'targeted' })).toThrow(/inspector/);
  });
});

describe('generation invalidation', () => {
  it('refuses every entry older than the latest write, counting stale-rejects', async () => {
    const { memory, cache } = await setup('generation');
    await memory.search('aaaa');
    await memory.search('bbbb');
    await memory.delete('m3');
    await memory.search('aaaa');
    await memory.search('bbbb');
    expect(cache.stats()).toMatchObject({ hits: 0, staleRejects: 2, misses: 4 });
  });
});
