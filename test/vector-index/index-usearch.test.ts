import { describe, expect, it } from 'vitest';
import { UsearchIndex, USEARCH_QUANTIZATIONS } from '../../src/parts/vector-index/usearch-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

// usearch is a native addon (prebuilt for linux-x64; installed with install scripts denied): these tests check
// that it loads and behaves as a VectorIndex, and how each storage type trades recall.
const DIMS = 64;
const all = syntheticEmbeddings({ count: 1040, dims: DIMS, seed: 41, rotate: true });
const stored = all.slice(0, 1000);
const queries = all.slice(1000);
const ids = stored.map((_, i) => `u${String(i).padStart(4, '0')}`);
const exact = exactTopK(stored, ids, queries, 10);

function build(options: ConstructorParameters<typeof UsearchIndex>[0]): UsearchIndex {
  const index = new UsearchIndex(options);
  index.addMany(stored.map((v, i) => [ids[i], v] as const));
  return index;
}
const recall = (index: UsearchIndex) => recallAtK(queries.map((q) => index.search(q, 10)), exact, 10);

describe('UsearchIndex (usearch 2.25.3 HNSW)', () => {
  it('finds nearly the exact neighbours with f32 storage and a wide search, scores being cosines', () => {
    const index = build({ quantization: 'f32', expansionSearch: 256 });
    expect(index.size).toBe(1000);
    expect(index.dimensions).toBe(DIMS);
    expect(recall(index)).toBeGreaterThan(0.97);
    const naive = new NaiveIndex();
    stored.forEach((v, i) => naive.add(ids[i], v));
    const truth = new Map(naive.search(queries[0], 1000).map((h) => [h.id, h.score]));
    const hits = index.search(queries[0], 10);
    for (const hit of hits) expect(hit.score).toBeCloseTo(truth.get(hit.id)!, 5);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
  });

  it('stores every quantization, from f32 down to one bit, in fewer serialized bytes, with recall measured', () => {
    const bytes: number[] = [];
    const recalls: number[] = [];
    for (const quantization of USEARCH_QUANTIZATIONS) {
      const index = build({ quantization, expansionSearch: 128 });
      bytes.push(index.memoryBytes());
      recalls.push(recall(index));
      expect(index.search(stored[3], 1)[0].id).toBe('u0003');
    }
    // f32 > f16 > i8 > b1 in bytes: the vectors shrink, the graph stays.
    for (let i = 1; i < bytes.length; i++) expect(bytes[i]).toBeLessThan(bytes[i - 1]);
    expect(bytes[0] - bytes[1]).toBeGreaterThanOrEqual(1000 * DIMS * 2); // 2 bytes fewer per dimension
    expect(recalls[1]).toBeGreaterThan(0.9); // f16
    expect(recalls[3]).toBeLessThan(recalls[0]); // one bit per dimension loses neighbours
  });

  it('sweeps the search expansion on one built graph: a copy with a wider search keeps at least its recall', () => {
    const narrow = build({ expansionSearch: 4, connectivity: 4, expansionAdd: 16 });
    const wide = narrow.withExpansion(256);
    expect(wide.options.expansionSearch).toBe(256);
    expect(wide.size).toBe(narrow.size);
    expect(recall(wide)).toBeGreaterThanOrEqual(recall(narrow));
    expect(recall(wide)).toBeGreaterThan(0.95);
  });

  it('removes, replaces and re-adds by id', () => {
    const index = build({});
    expect(index.remove('u0005')).toBe(true);
    expect(index.remove('u0005')).toBe(false);
    expect(index.size).toBe(999);
    expect(index.search(stored[5], 5).map((h) => h.id)).not.toContain('u0005');
    index.add('u0010', stored[7]);
    expect(index.size).toBe(999);
    expect(index.search(stored[7], 2).map((h) => h.id).sort()).toEqual(['u0007', 'u0010']);
    index.add('u0005', stored[5]);
    expect(index.search(stored[5], 1)[0].id).toBe('u0005');
  });

  it('refuses bad options and vectors of the wrong width', () => {
    expect(() => new UsearchIndex({ quantization: 'f8' as never })).toThrow(/quantization/);
    expect(() => new UsearchIndex({ connectivity: 1 })).toThrow(/connectivity/);
    const index = build({});
    expect(() => index.addMany([['ok', stored[0]], ['bad', new Float32Array(3)]])).toThrow(/'bad'.*64 dimensions, found 3/);
    expect(index.has('ok')).toBe(false);
    expect(() => index.search(new Float32Array(3), 1)).toThrow(/64 dimensions, found 3/);
  });
});
