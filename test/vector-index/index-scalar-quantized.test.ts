import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { ScalarQuantizedIndex } from '../../src/parts/vector-index/scalar-quantized-index.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

// 64 int8 dimensions: the SIMD kernel's width; 48: the JavaScript fallback.
for (const dims of [64, 48]) {
  describe(`ScalarQuantizedIndex, ${dims} dimensions`, () => {
    const all = syntheticEmbeddings({ count: 560, dims, seed: 13, meanWeight: 2, rotate: true });
    const stored = all.slice(0, 500);
    const queries = all.slice(500);
    const ids = stored.map((_, i) => `s${i}`);
    const build = (options = {}) => {
      const index = new ScalarQuantizedIndex({ initialCapacity: 16, ...options });
      index.fit(stored);
      index.addMany(stored.map((v, i) => [ids[i], v] as const));
      return index;
    };
    const naive = new NaiveIndex();
    stored.forEach((v, i) => naive.add(ids[i], v));

    it('scores every hit within int8 rounding of its exact cosine, best first', () => {
      const index = build();
      expect(index.usesSimd).toBe(dims % 64 === 0);
      for (const query of queries.slice(0, 20)) {
        const exact = new Map(naive.search(query, stored.length).map((h) => [h.id, h.score]));
        const hits = index.search(query, 10);
        expect(hits).toHaveLength(10);
        for (const hit of hits) expect(Math.abs(hit.score - exact.get(hit.id)!)).toBeLessThan(0.01);
        for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
      }
    });

    it('keeps recall@10 against exact search', () => {
      const index = build();
      const exact = exactTopK(stored, ids, queries, 10);
      expect(recallAtK(queries.map((q) => index.search(q, 10)), exact, 10)).toBeGreaterThan(0.95);
    });

    it('answers like the JavaScript kernel over the same codes (up to the int16 query grid)', () => {
      const simd = build();
      const plain = build({ simd: false });
      for (const query of queries.slice(0, 20)) {
        const a = simd.search(query, 10);
        const b = plain.search(query, 10);
        a.forEach((hit, i) => expect(hit.score).toBeCloseTo(b[i].score, 3));
      }
    });

    it('removes a vector (the last row moves into its place) and replaces one re-added under its id', () => {
      const index = build();
      const target = stored[7];
      expect(index.search(target, 1)[0].id).toBe('s7');
      expect(index.remove('s7')).toBe(true);
      expect(index.remove('s7')).toBe(false);
      expect(index.size).toBe(499);
      expect(index.search(target, 5).map((h) => h.id)).not.toContain('s7');
      expect(index.search(stored[499], 1)[0].id).toBe('s499'); // the moved row is still found under its own id
      index.add('s7', target);
      index.add('s7', target);
      expect(index.size).toBe(500);
      expect(index.search(target, 1)[0].id).toBe('s7');
    });

    it('counts the codes memory and the ranges exactly; one byte per dimension per vector', () => {
      const index = build();
      index.trim();
      const pages = Math.ceil((Math.ceil((500 * dims) / 4) * 4 + dims * 4 + 500 * 4) / 65536) * 65536;
      expect(index.memoryBytes()).toBe(pages + 2 * dims * 4);
      expect(index.bytesPerVector()).toBe(dims);
    });
  });
}

describe('ScalarQuantizedIndex errors', () => {
  const vectors = syntheticEmbeddings({ count: 10, dims: 16, seed: 1 });
  it('refuses to add or search before fit, and a second fit', () => {
    const index = new ScalarQuantizedIndex();
    expect(() => index.search(vectors[0], 1)).toThrow(RunError);
    expect(() => index.add('a', vectors[0])).toThrow(/not fitted; call fit\(sample\) before add/);
    index.fit(vectors);
    expect(() => index.fit(vectors)).toThrow(/already fitted/);
  });
  it('names a vector of the wrong width, a non-finite value and a bad option', () => {
    const index = new ScalarQuantizedIndex();
    index.fit(vectors);
    expect(() => index.add('a', new Float32Array(8))).toThrow(/ScalarQuantizedIndex.add\('a'\): expected a vector of 16 dimensions, found 8/);
    expect(() => index.search(new Float32Array(17), 1)).toThrow(/expected a query of 16 dimensions, found 17/);
    expect(() => index.add('b', new Float32Array(16).fill(Number.NaN))).toThrow(/ScalarQuantizedIndex.add\('b'\)/);
    expect(() => index.addMany([['c', vectors[1]], ['d', new Float32Array(3)]])).toThrow(/addMany\('d'\): expected a vector of 16/);
    expect(index.has('c')).toBe(false); // nothing of a bad batch is added
    expect(() => new ScalarQuantizedIndex({ initialCapacity: 0 })).toThrow(/initialCapacity/);
    expect(() => new ScalarQuantizedIndex().fit([])).toThrow(/at least 1 vector/);
  });
});
