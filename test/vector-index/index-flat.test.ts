import { describe, expect, it } from 'vitest';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

describe('FlatIndex', () => {
  it('gives the same ranking and scores as NaiveIndex', () => {
    const vectors = syntheticEmbeddings({ count: 230, dims: 33, seed: 7 });
    const flat = new FlatIndex({ initialCapacity: 4 });
    const naive = new NaiveIndex();
    vectors.slice(0, 200).forEach((v, i) => {
      // Scaled copies: cosine must not depend on length.
      const scaled = Array.from(v, (x) => x * (1 + (i % 5)));
      flat.add(`v${i}`, scaled);
      naive.add(`v${i}`, scaled);
    });
    for (const query of vectors.slice(200)) {
      const expected = naive.search(query, 10);
      const found = flat.search(query, 10);
      expect(found.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      found.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i].score, 6));
    }
  });

  it('ranks ties by id and returns at most size hits', () => {
    const index = new FlatIndex();
    for (const id of ['c', 'a', 'b']) index.add(id, [1, 1]);
    expect(index.search([1, 1], 2).map((h) => h.id)).toEqual(['a', 'b']);
    expect(index.search([1, 1], 10).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(index.search([1, 1], 0)).toEqual([]);
  });

  it('replaces on re-add and keeps the store dense on remove', () => {
    const index = new FlatIndex({ initialCapacity: 2 });
    index.add('a', [1, 0, 0]);
    index.add('b', [0, 1, 0]);
    index.add('c', [0, 0, 1]);
    index.add('a', [0, 1, 1]);
    expect(index.size).toBe(3);
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(index.size).toBe(2);
    expect(index.search([0, 0, 1], 5).map((h) => h.id)).toEqual(['c', 'b']);
    expect(Array.from(index.get('c')!)).toEqual([0, 0, 1]);
    expect(index.get('a')).toBeUndefined();
  });

  it('counts the bytes of its store: every row allocated, scratch included, in 64 KiB pages, until trimmed', () => {
    const dims = 16;
    const index = new FlatIndex({ initialCapacity: 8192 });
    index.add('a', Array.from({ length: dims }, (_, i) => i + 1));
    const layout = (rows: number) => rows * dims * 4 + dims * 4 + rows * 4; // rows, query, scores
    const pages = (bytes: number) => Math.ceil(bytes / 65536) * 65536;
    expect(index.memoryBytes()).toBe(pages(layout(8192)));
    index.trim();
    expect(index.memoryBytes()).toBe(pages(layout(1)));
    index.addMany(Array.from({ length: 5000 }, (_, i) => [`v${i}`, Array.from({ length: dims }, (_, j) => (i * j) % 7)] as const));
    expect(index.memoryBytes()).toBe(pages(layout(5001)));
    expect(index.search(Array.from({ length: dims }, (_, i) => i + 1), 1)[0].id).toBe('a');
  });

  it('ranks the same with the SIMD kernel as with the JavaScript kernel', () => {
    const vectors = syntheticEmbeddings({ count: 540, dims: 64, seed: 21 });
    const simd = new FlatIndex({ simd: true });
    const js = new FlatIndex({ simd: false });
    vectors.slice(0, 500).forEach((v, i) => {
      simd.add(`v${i}`, v);
      js.add(`v${i}`, v);
    });
    expect(js.usesSimd).toBe(false);
    for (const query of vectors.slice(500)) {
      const a = simd.search(query, 10);
      const b = js.search(query, 10);
      expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
      a.forEach((hit, i) => expect(hit.score).toBeCloseTo(b[i].score, 6));
    }
  });

  it('rejects vectors and queries of the wrong width, and non-finite values', () => {
    const index = new FlatIndex();
    index.add('a', [1, 2, 3]);
    expect(() => index.add('b', [1, 2])).toThrow(/FlatIndex.add\('b'\): expected a vector of 3 dimensions, found 2/);
    expect(() => index.search([1, 2], 1)).toThrow(/FlatIndex.search: expected a query of 3 dimensions, found 2/);
    expect(() => index.add('c', [1, Number.NaN, 3])).toThrow(/expected finite numbers, found NaN at coordinate 1/);
  });
});
