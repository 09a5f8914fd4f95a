import { describe, expect, it } from 'vitest';
import { IndexCapacityError, OptionError } from '../../src/errors.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { SharedVectorIndex } from '../../src/parts/parallel/index.ts';
import { createRng, type Rng } from '../../src/util/rng.ts';

/** A float32 vector (as the API returns) with a decaying spectrum, like real embeddings. */
function vector(rng: Rng, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => Math.fround(rng.normal() / Math.sqrt(i + 1)));
}

/** Both indexes fed the same operations. */
function pair(dims: number, capacity: number) {
  return { naive: new NaiveIndex(), shared: new SharedVectorIndex({ dimensions: dims, capacity }) };
}

describe('SharedVectorIndex', () => {
  it('answers exactly like NaiveIndex: same ids, same scores to the bit, same order (seeded vectors)', () => {
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      const dims = 24;
      const { naive, shared } = pair(dims, 400);
      for (let i = 0; i < 300; i++) {
        const v = vector(rng, dims);
        naive.add(`v${i}`, v);
        shared.add(`v${i}`, v);
      }
      const queries = Array.from({ length: 19 }, () => vector(rng, dims));
      for (const k of [0, 1, 5, 17, 300, 1000]) {
        const batch = shared.searchBatch(queries, k);
        queries.forEach((q, i) => {
          const expected = naive.search(q, k);
          expect(shared.search(q, k)).toEqual(expected);
          expect(batch[i]).toEqual(expected);
        });
      }
    }
  });

  it('breaks ties by id exactly like NaiveIndex, also at the k-th place (duplicates and zero vectors)', () => {
    const rng = createRng(7);
    const dims = 8;
    const { naive, shared } = pair(dims, 100);
    const base = vector(rng, dims);
    // 12 copies of one vector under shuffled ids, 5 zero vectors (score 0), some others.
    const ids = Array.from({ length: 12 }, (_, i) => `dup-${(i * 7) % 12}`);
    for (const id of ids) {
      naive.add(id, base);
      shared.add(id, base);
    }
    for (let i = 0; i < 5; i++) {
      naive.add(`zero-${4 - i}`, new Array(dims).fill(0));
      shared.add(`zero-${4 - i}`, new Array(dims).fill(0));
    }
    for (let i = 0; i < 20; i++) {
      const v = vector(rng, dims);
      naive.add(`other-${i}`, v);
      shared.add(`other-${i}`, v);
    }
    for (const k of [1, 3, 11, 12, 13, 30, 37]) {
      for (const q of [base, base.map((x) => -x), vector(rng, dims), new Array(dims).fill(0)]) {
        expect(shared.search(q, k)).toEqual(naive.search(q, k));
        expect(shared.searchBatch([q, q, q], k)).toEqual([naive.search(q, k), naive.search(q, k), naive.search(q, k)]);
      }
    }
  });

  it('replaces and removes like NaiveIndex; a replaced vector is never found under its old value', () => {
    const rng = createRng(11);
    const dims = 16;
    const { naive, shared } = pair(dims, 200);
    for (let step = 0; step < 150; step++) {
      const id = `id${rng.int(0, 30)}`;
      if (rng.next() < 0.25) expect(shared.remove(id)).toBe(naive.remove(id));
      else {
        const v = vector(rng, dims);
        naive.add(id, v);
        shared.add(id, v);
      }
      expect(shared.size).toBe(naive.size);
      const q = vector(rng, dims);
      expect(shared.search(q, 6)).toEqual(naive.search(q, 6));
    }
    expect(shared.slotsUsed).toBeGreaterThan(shared.size);
  });

  it('stores float32 coordinates and gives them back', () => {
    const shared = new SharedVectorIndex({ dimensions: 3, capacity: 2 });
    shared.add('a', [0.1, 0.2, 0.3]);
    expect(Array.from(shared.get('a')!)).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    expect(shared.get('missing')).toBeUndefined();
  });

  it('refuses vectors of the wrong width, non-finite coordinates, and adds beyond capacity, with named errors', () => {
    const shared = new SharedVectorIndex({ dimensions: 2, capacity: 2 });
    expect(() => shared.add('a', [1, 2, 3])).toThrow(/expected a vector of 2 dimensions, found 3/);
    expect(() => shared.add('a', [1, Number.NaN])).toThrow(/coordinate 1 is NaN/);
    expect(() => shared.search([1], 1)).toThrow(/expected a query of 2 dimensions, found 1/);
    shared.add('a', [1, 0]);
    shared.add('a', [0, 1]); // a replacement takes a slot too
    expect(() => shared.add('b', [1, 1])).toThrow(IndexCapacityError);
    expect(shared.size).toBe(1);
    expect(() => new SharedVectorIndex({ dimensions: 0, capacity: 1 })).toThrow(OptionError);
    expect(() => new SharedVectorIndex({ dimensions: 2, capacity: 1.5 })).toThrow(/capacity/);
  });

  it('reports the bytes of its shared buffers', () => {
    const shared = new SharedVectorIndex({ dimensions: 4, capacity: 10 });
    expect(shared.memoryBytes()).toBe(10 * 4 * 4 + 10 * 8 + 10 * 4);
  });
});
