import { describe, expect, it } from 'vitest';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { MatryoshkaIndex } from '../../src/parts/vector-index/matryoshka-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const DIMS = 64;
const ids = Array.from({ length: 500 }, (_, i) => `m${String(i).padStart(3, '0')}`);

describe('MatryoshkaIndex', () => {
  const all = syntheticEmbeddings({ count: 540, dims: DIMS, seed: 51 }); // spectrum decaying along the coordinates
  const stored = all.slice(0, 500);
  const queries = all.slice(500);

  it('scores are the cosine of the truncated, re-normalized vectors', () => {
    const index = new MatryoshkaIndex({ dimensions: 16, initialCapacity: 500 });
    index.addMany(stored.map((v, i) => [ids[i], v] as const));
    const full = new FlatIndex({ initialCapacity: 500 });
    full.addMany(stored.map((v, i) => [ids[i], v] as const));
    const naive = new NaiveIndex();
    stored.forEach((v, i) => naive.add(ids[i], v.slice(0, 16)));
    for (const query of queries.slice(0, 5)) {
      const truth = naive.search(query.slice(0, 16), 10);
      const hits = index.search(query, 10);
      expect(hits.map((h) => h.id)).toEqual(truth.map((h) => h.id));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(truth[i].score, 5));
    }
    expect(index.dimensions).toBe(DIMS);
    // 500 rows of 16 float32 (+ query and score scratch) fit one 64 KiB WebAssembly page; of 64, two.
    expect(index.memoryBytes()).toBe(65536);
    expect(full.memoryBytes()).toBe(2 * 65536);
  });

  it('loses recall as it keeps fewer coordinates, and far more when the spectrum is not ordered along them', () => {
    const exact = exactTopK(stored, ids, queries, 10);
    const recall = (data: Float32Array[], truth: string[][], asked: Float32Array[], dimensions: number) => {
      const index = new MatryoshkaIndex({ dimensions });
      index.addMany(data.map((v, i) => [ids[i], v] as const));
      return recallAtK(asked.map((q) => index.search(q, 10)), truth, 10);
    };
    const ordered = [8, 16, 32, 64].map((d) => recall(stored, exact, queries, d));
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]).toBeGreaterThanOrEqual(ordered[i - 1]);
    expect(ordered[3]).toBe(1);
    // The same geometry rotated: leading coordinates are no longer the high-variance directions.
    const rotated = syntheticEmbeddings({ count: 540, dims: DIMS, seed: 51, rotate: true });
    const rotatedExact = exactTopK(rotated.slice(0, 500), ids, rotated.slice(500), 10);
    expect(recall(rotated.slice(0, 500), rotatedExact, rotated.slice(500), 16)).toBeLessThan(ordered[1]);
  });

  it('refuses a width it cannot keep, and vectors of another width', () => {
    expect(() => new MatryoshkaIndex({ dimensions: 0 })).toThrow(/dimensions/);
    const index = new MatryoshkaIndex({ dimensions: 16 });
    expect(() => index.add('short', new Float32Array(8))).toThrow(/cannot keep 16 dimensions of a 8-dimensional vector/);
    index.add('a', stored[0]);
    expect(() => index.add('b', new Float32Array(32))).toThrow(/expected a vector of 64 dimensions, found 32/);
    expect(index.remove('a')).toBe(true);
    expect(index.size).toBe(0);
  });
});
