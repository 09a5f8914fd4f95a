import { describe, expect, it } from 'vitest';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';

describe('NaiveIndex', () => {
  it('ranks by cosine similarity, not by raw dot product', () => {
    const index = new NaiveIndex();
    index.add('long', [10, 10]); // same direction as 'unit' but 14x longer
    index.add('unit', [1, 0]);
    index.add('off', [0, 1]);
    const hits = index.search([1, 0], 3);
    expect(hits.map((h) => h.id)).toEqual(['unit', 'long', 'off']);
    expect(hits[0].score).toBeCloseTo(1);
    expect(hits[1].score).toBeCloseTo(Math.SQRT1_2);
    expect(hits[2].score).toBeCloseTo(0);
  });

  it('breaks ties by id so results are deterministic', () => {
    const index = new NaiveIndex();
    for (const id of ['c', 'a', 'b']) index.add(id, [1, 1]);
    expect(index.search([1, 1], 2).map((h) => h.id)).toEqual(['a', 'b']);
  });

  it('replaces on re-add, removes, and counts payload bytes', () => {
    const index = new NaiveIndex();
    index.add('a', [1, 0, 0]);
    index.add('a', [0, 1, 0]);
    index.add('b', [0, 0, 1]);
    expect(index.size).toBe(2);
    expect(index.memoryBytes()).toBe(2 * 3 * 8);
    expect(index.search([0, 1, 0], 1)[0].id).toBe('a');
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(index.search([0, 1, 0], 5).map((h) => h.id)).toEqual(['b']);
  });

  it('rejects vectors of the wrong width', () => {
    const index = new NaiveIndex();
    index.add('a', [1, 2, 3]);
    expect(() => index.add('b', [1, 2])).toThrow(/expected a vector of 3 dimensions, found 2/);
    expect(() => index.search([1, 2], 1)).toThrow(/expected a query of 3 dimensions, found 2/);
  });
});
