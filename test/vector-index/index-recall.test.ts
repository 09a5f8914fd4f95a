import { describe, expect, it } from 'vitest';
import { exactTopK, queryRecall, recallAtK } from '../../src/parts/vector-index/recall.ts';

describe('recall@k', () => {
  it('is the share of the exact top-k found in the approximate top-k', () => {
    expect(queryRecall(['a', 'b', 'c'], ['a', 'b', 'c'], 3)).toBe(1);
    expect(queryRecall(['c', 'b', 'a'], ['a', 'b', 'c'], 3)).toBe(1); // order inside the top-k does not matter
    expect(queryRecall(['a', 'x', 'y'], ['a', 'b', 'c'], 3)).toBeCloseTo(1 / 3);
    expect(queryRecall(['x', 'y', 'z'], ['a', 'b', 'c'], 3)).toBe(0);
  });

  it('only looks at the first k of each list', () => {
    expect(queryRecall(['a', 'x', 'b'], ['a', 'b', 'c'], 1)).toBe(1);
    expect(queryRecall(['x', 'a'], ['a', 'b'], 1)).toBe(0);
    expect(queryRecall(['a', 'x', 'b', 'c'], ['a', 'b', 'c', 'd'], 2)).toBe(0.5);
  });

  it('divides by the exact list length when the collection is smaller than k', () => {
    expect(queryRecall(['a', 'b'], ['b', 'a'], 10)).toBe(1);
    expect(queryRecall(['a'], ['b', 'a'], 10)).toBe(0.5);
    expect(queryRecall([], [], 10)).toBe(1);
  });

  it('accepts hits as well as ids, and counts a duplicated id once', () => {
    const hits = [
      { id: 'a', score: 0.9 },
      { id: 'a', score: 0.9 },
    ];
    expect(queryRecall(hits, ['a', 'b'], 2)).toBe(0.5);
  });

  it('averages over queries', () => {
    expect(recallAtK([['a'], ['x']], [['a'], ['b']], 1)).toBe(0.5);
    expect(() => recallAtK([['a']], [], 1)).toThrow(/as many approximate as exact/);
    expect(() => queryRecall(['a'], ['a'], 0)).toThrow(/k to be an integer >= 1/);
  });

  it('computes the exact top-k by cosine, ties by id', () => {
    const collection = [
      [1, 0],
      [0, 1],
      [10, 10],
      [1, 1],
    ];
    const ids = ['x', 'y', 'z', 'w'];
    // [1, 1] and [10, 10] have the same cosine with the query: the tie goes to the smaller id, 'w'.
    expect(exactTopK(collection, ids, [[1, 1]], 3)).toEqual([['w', 'z', 'x']]);
    expect(exactTopK(collection, ids, [[0, 2], [3, 0]], 1)).toEqual([['y'], ['x']]);
  });
});
