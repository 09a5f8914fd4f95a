import { describe, expect, it } from 'vitest';
import { compareHits, cosine, dot, matchesFilter, norm, scoreFromDot } from '../../src/memory/reference.mjs';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import { vectorNorm } from '../../src/parts/parallel/kernel.mjs';
import { SharedVectorIndex } from '../../src/parts/parallel/shared-index.ts';
import { cosine as cacheCosine } from '../../src/parts/search-cache/index.ts';
import { norm as kernelsNorm } from '../../src/parts/vector-index/kernels.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { createRng } from '../../src/util/rng.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

/** float32 coordinates (as the API returns them) with a decaying spectrum; seeded. */
function vectors(seed: number, count: number, dims: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: dims }, (_, i) => Math.fround(rng.normal() / Math.sqrt(i + 1))));
}

describe('reference semantics (memory/reference.mjs): one cosine, norm, tie order and filter for every user', () => {
  it('computes the cosine as written: one accumulator in coordinate order, norms likewise, 0 for a zero vector', () => {
    const q = [0.1, 0.2, 0.3];
    const v = [0.3, -0.2, 0.7];
    const d = 0.3 * 0.1 + -0.2 * 0.2 + 0.7 * 0.3;
    const nv = Math.sqrt(0.3 * 0.3 + -0.2 * -0.2 + 0.7 * 0.7);
    const nq = Math.sqrt(0.1 * 0.1 + 0.2 * 0.2 + 0.3 * 0.3);
    expect(Object.is(dot(v, q), d)).toBe(true);
    expect(Object.is(norm(v), nv)).toBe(true);
    expect(Object.is(cosine(q, v), d / (nv * nq))).toBe(true);
    expect(cosine(q, [0, 0, 0])).toBe(0);
    expect(scoreFromDot(1, 0, 2)).toBe(0);
    expect(norm([9, 3, 4, 9], 1, 2)).toBe(5);
  });

  it('NaiveIndex, the worker kernel and the search cache score bit for bit alike', () => {
    const dims = 20;
    const stored = vectors(1, 60, dims);
    const queries = vectors(2, 11, dims);
    const naive = new NaiveIndex();
    const shared = new SharedVectorIndex({ dimensions: dims, capacity: 64 });
    stored.forEach((v, i) => {
      naive.add(`v${i}`, v);
      shared.add(`v${i}`, v);
    });
    expect(cacheCosine).toBe(cosine);
    expect(vectorNorm).toBe(norm);
    expect(kernelsNorm).toBe(norm);
    const batch = shared.searchBatch(queries, stored.length);
    queries.forEach((q, qi) => {
      const hits = naive.search(q, stored.length);
      for (const hit of hits) expect(Object.is(hit.score, cosine(q, stored[Number(hit.id.slice(1))]))).toBe(true);
      expect(batch[qi]).toEqual(hits);
      expect(shared.search(q, stored.length)).toEqual(hits);
    });
  });

  it('orders hits by score, then ties by id ascending (code-unit order)', () => {
    const hits = [
      { id: 'b', score: 0.5 },
      { id: 'a', score: 0.5 },
      { id: 'B', score: 0.5 },
      { id: 'c', score: 0.9 },
      { id: 'a10', score: 0.5 },
    ];
    expect([...hits].sort(compareHits).map((h) => h.id)).toEqual(['c', 'B', 'a', 'a10', 'b']);
    const index = new NaiveIndex();
    for (const id of ['b', 'a', 'B', 'a10']) index.add(id, [1, 0]);
    expect(index.search([1, 0], 3).map((h) => h.id)).toEqual(['B', 'a', 'a10']);
  });

  it('matches a filter field by strict equality; missing metadata matches only an empty filter', () => {
    expect(matchesFilter({ group: 1, lang: 'en' }, { group: 1 })).toBe(true);
    expect(matchesFilter({ group: 1, lang: 'en' }, { group: 1, lang: 'de' })).toBe(false);
    expect(matchesFilter({ group: '1' }, { group: 1 })).toBe(false);
    expect(matchesFilter({ flag: false }, { flag: false })).toBe(true);
    expect(matchesFilter(undefined, {})).toBe(true);
    expect(matchesFilter(undefined, { group: 1 })).toBe(false);
    expect(matchesFilter({}, { group: 1 })).toBe(false);
  });

  it('MemorySystem filters its search with the same rule', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    await memory.add('one', { group: 1 });
    await memory.add('two', { group: '1' });
    await memory.add('three');
    const found = await memory.search('one', { topK: 5, filter: { group: 1 } });
    expect(found.map((r) => r.text)).toEqual(['one']);
  });
});
