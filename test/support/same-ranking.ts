import { expect } from 'vitest';
import type { SearchHit } from '../../src/memory/types.ts';

/**
 * Asserts two rankings agree: same length, scores pairwise within `tolerance`, and the same ids except where
 * scores tie within the tolerance (then the ids of the tied group, or the part of it inside the top k, may
 * differ). Compares id sets of the hits whose score is clear of the k-th score by more than the tolerance.
 */
export function expectSameRanking(actual: readonly SearchHit[], expected: readonly SearchHit[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i].score - expected[i].score)).toBeLessThanOrEqual(tolerance);
    if (actual[i].id !== expected[i].id) {
      // only allowed inside a tie: the two scores must be within tolerance of each other's neighbours
      const tiedExpected = expected.filter((h) => Math.abs(h.score - expected[i].score) <= 2 * tolerance).map((h) => h.id);
      const tiedActual = actual.filter((h) => Math.abs(h.score - actual[i].score) <= 2 * tolerance).map((h) => h.id);
      const boundary = Math.abs(expected[i].score - expected[expected.length - 1].score) <= 2 * tolerance;
      if (!boundary) expect(new Set(tiedActual)).toEqual(new Set(tiedExpected));
    }
  }
}
