import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { SearchHit, VectorIndex } from '../../src/memory/types.ts';
import { createIndex, indexParamsSchema } from '../../src/parts/registry.ts';
import { HybridIndex, reciprocalRankFusion } from '../../src/parts/text-index/hybrid-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

const hits = (...ids: string[]): SearchHit[] => ids.map((id, i) => ({ id, score: 1 - i / 10 }));

describe('reciprocal rank fusion', () => {
  it('sums 1 / (k + rank) over the rankings, on a hand-computed example', () => {
    // vector: a b c d; keyword: c a e.  k = 60:
    // a: 1/61 + 1/62; b: 1/62; c: 1/63 + 1/61; d: 1/64; e: 1/63.
    const fused = reciprocalRankFusion([hits('a', 'b', 'c', 'd'), hits('c', 'a', 'e')], 60);
    const expected = [
      { id: 'a', score: 1 / 61 + 1 / 62 },
      { id: 'c', score: 1 / 63 + 1 / 61 },
      { id: 'b', score: 1 / 62 },
      { id: 'd', score: 1 / 64 },
      { id: 'e', score: 1 / 63 },
    ].sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
    expect(fused.map((h) => h.id)).toEqual(['a', 'c', 'b', 'e', 'd']);
    fused.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 15));
  });

  it('breaks equal fused scores by id, cuts at the limit, and counts a repeated id once per ranking', () => {
    // x is first in one ranking and y first in the other: equal scores, x before y.
    expect(reciprocalRankFusion([hits('y', 'x'), hits('x', 'y')], 60).map((h) => h.id)).toEqual(['x', 'y']);
    expect(reciprocalRankFusion([hits('a', 'b', 'c')], 60, 2).map((h) => h.id)).toEqual(['a', 'b']);
    expect(reciprocalRankFusion([hits('a', 'a', 'b')], 0)[0]).toEqual({ id: 'a', score: 1 });
    expect(() => reciprocalRankFusion([], -1)).toThrow(RangeError);
  });
});

/** Vectors chosen by hand: the query is [1, 0]; cosine ranks v1 > v2 > v3. */
const VECTORS: Record<string, number[]> = { v1: [1, 0.1], v2: [1, 0.5], v3: [0.2, 1] };

describe('HybridIndex', () => {
  it('fuses the vector and keyword rankings of the memory as MemorySystem hands them over', async () => {
    const index = new HybridIndex({ vector: new NaiveIndex() });
    index.add('v1', VECTORS.v1, { namespace: 'u', text: 'weekly planning notes' });
    index.add('v2', VECTORS.v2, { namespace: 'u', text: 'the user moved to Lisbon' });
    index.add('v3', VECTORS.v3, { namespace: 'u', text: 'Lisbon flat has a balcony in Lisbon' });
    // Vector ranking: v1 v2 v3. Keyword ranking for "Lisbon": v3 (tf 2) then v2; v1 shares no term.
    const keyword = index.keyword.search([0], 10, { namespace: 'u' }, 'Lisbon').map((h) => h.id);
    expect(keyword).toEqual(['v3', 'v2']);
    const fused = await index.search([1, 0], 3, { namespace: 'u' }, 'Lisbon');
    // v2: 1/62 + 1/62 = 0.03226; v1: 1/61 = 0.01639; v3: 1/63 + 1/61 = 0.03227 -> v3, v2, v1.
    expect(fused.map((h) => h.id)).toEqual(['v3', 'v2', 'v1']);
    expect(fused[0].score).toBeCloseTo(1 / 63 + 1 / 61, 15);
    expect(fused[1].score).toBeCloseTo(2 / 62, 15);
    expect(fused[2].score).toBeCloseTo(1 / 61, 15);
    // Without a query text (searchByVector) only the vector ranking is fused.
    expect((await index.search([1, 0], 3)).map((h) => h.id)).toEqual(['v1', 'v2', 'v3']);
  });

  it('keeps both sides exact through updates and deletes, visible to the next search', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder(), index: new HybridIndex({ vector: new NaiveIndex() }) });
    const id = await memory.add('the user lives in Berlin', undefined, { namespace: 'u' });
    await memory.add('the user enjoys techno music', undefined, { namespace: 'u' });
    await memory.update(id, 'the user lives in Paris');
    const results = await memory.search('Berlin', { namespace: 'u', topK: 5 });
    expect(results.every((r) => !r.text.includes('Berlin'))).toBe(true);
    await memory.delete(id);
    expect((await memory.search('Paris', { namespace: 'u', topK: 5 })).map((r) => r.id)).not.toContain(id);
    const hybrid = memory.index as HybridIndex;
    expect([hybrid.size, hybrid.vector.size, hybrid.keyword.size]).toEqual([1, 1, 1]);
  });

  it('never returns another user\'s memory, also over a vector index that cannot filter', async () => {
    const inner = new NaiveIndex();
    // The same index seen without native filtering: the hybrid must filter the vector ranking itself.
    const unfiltered: VectorIndex = {
      get dimensions() { return inner.dimensions; },
      get size() { return inner.size; },
      add: (id, v) => inner.add(id, v),
      remove: (id) => inner.remove(id),
      search: (v, k) => inner.search(v, k),
      memoryBytes: () => inner.memoryBytes(),
    };
    for (const vector of [new NaiveIndex(), unfiltered]) {
      const memory = new MemorySystem({ embedder: new FakeEmbedder(), index: new HybridIndex({ vector }) });
      for (const user of ['ann', 'bob', 'cy']) {
        for (let i = 0; i < 5; i++) await memory.add(`${user} note ${i} about the garden shed`, { i }, { namespace: user });
      }
      for (const user of ['ann', 'bob', 'cy']) {
        const found = await memory.search('garden shed note', { namespace: user, topK: 10 });
        expect(found).toHaveLength(5);
        expect(found.every((r) => r.namespace === user)).toBe(true);
        expect((await memory.search('garden', { namespace: user, topK: 10, filter: { i: 3 } })).map((r) => r.text)).toEqual([`${user} note 3 about the garden shed`]);
      }
    }
  });

  it('leaves both sides unchanged when a write is refused', () => {
    const index = new HybridIndex({ vector: new NaiveIndex() });
    index.add('a', [1, 0], { text: 'first' });
    expect(() => index.add('b', [1, 0, 0], { text: 'wrong width' })).toThrow(RangeError);
    expect(() => index.add('c', [1, 0])).toThrow(/attributes\.text/);
    expect([index.vector.size, index.keyword.size]).toEqual([1, 1]);
  });

  it('is registered as kind hybrid around any vector index\'s params', async () => {
    const params = indexParamsSchema.parse({ index: 'hybrid', vector: { index: 'compressed', components: 2 } });
    expect(params).toMatchObject({ index: 'hybrid', rrfK: 60, depth: 100, vector: { index: 'compressed', components: 2, precision: 'float32' } });
    const index = await createIndex(params);
    expect(index.describe?.()).toMatchObject({ kind: 'hybrid', settings: { rrfK: 60, vectorKind: 'compressed' } });
    expect(() => indexParamsSchema.parse({ index: 'hybrid', vector: { index: 'keyword' } })).toThrow();
    expect(() => indexParamsSchema.parse({ index: 'hybrid' })).toThrow();
  });
});
