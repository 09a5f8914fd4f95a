import { describe, expect, it } from 'vitest';
import { FlatIndex } from '../src/index/flat-index.ts';
import { NaiveIndex } from '../src/index/naive-index.ts';
import { syntheticEmbeddings } from '../src/index/synthetic.ts';

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

  it('counts the bytes of its store exactly, empty rows included until trimmed', () => {
    const index = new FlatIndex({ initialCapacity: 8 });
    index.add('a', [1, 2, 3, 4]);
    expect(index.memoryBytes()).toBe(8 * 4 * 4);
    index.trim();
    expect(index.memoryBytes()).toBe(1 * 4 * 4);
    index.addMany([
      ['b', [1, 0, 0, 0]],
      ['c', [0, 1, 0, 0]],
    ]);
    expect(index.memoryBytes()).toBe(3 * 4 * 4);
  });

  it('rejects vectors and queries of the wrong width, and non-finite values', () => {
    const index = new FlatIndex();
    index.add('a', [1, 2, 3]);
    expect(() => index.add('b', [1, 2])).toThrow(/FlatIndex.add\('b'\): expected a vector of 3 dimensions, found 2/);
    expect(() => index.search([1, 2], 1)).toThrow(/FlatIndex.search: expected a query of 3 dimensions, found 2/);
    expect(() => index.add('c', [1, Number.NaN, 3])).toThrow(/expected finite numbers, found NaN at coordinate 1/);
  });
});
