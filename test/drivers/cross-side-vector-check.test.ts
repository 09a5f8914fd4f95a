import { describe, expect, it } from 'vitest';
import { checkAgainstReference, CROSS_SIDE_COSINE_TOLERANCE, CrossSideVectors, ObservedVectors, vectorCheckMetrics } from '../../src/measure/vector-checks.ts';

describe('the cross-side vector check (no reference model)', () => {
  const baseline = new CrossSideVectors();
  baseline.record([
    ['a', [1, 0, 0]],
    ['b', [0, 1, 0]],
  ]);

  it('matches within the stated cosine tolerance and counts a larger difference', () => {
    const close = 1 - CROSS_SIDE_COSINE_TOLERANCE / 10; // cosine 0.9999
    const check = baseline.check([
      ['a', [close, Math.sqrt(1 - close * close), 0]],
      ['b', [0.9, 0.1, 0]],
    ]);
    expect(check).toMatchObject({ against: 'cross-side', compared: 2, mismatches: 1, unchecked: 0 });
    expect(check.minCosine).toBeCloseTo(0.1 / Math.hypot(0.9, 0.1), 12);
  });

  it('counts a text the baseline side never got as unchecked, and unchecked as wrong', () => {
    const check = baseline.check([['c', [1, 0, 0]]]);
    expect(check).toMatchObject({ compared: 0, mismatches: 0, unchecked: 1 });
    expect(vectorCheckMetrics(check)).toEqual({ wrong_vectors: 1, vectors_unchecked: 1 });
  });

  it('checks every distinct vector a text got in one run, and a zero or wider vector never matches', () => {
    const observed = new ObservedVectors();
    observed.observe('a', [1, 0, 0]);
    observed.observe('a', [1, 0, 0]); // the same bits: kept once
    observed.observe('a', [0, 0, 1]);
    observed.observe('b', [0, 0, 0]);
    expect(observed.byText.get('a')).toHaveLength(2);
    expect(baseline.check(observed.byText)).toMatchObject({ compared: 2, mismatches: 2 });
    expect(baseline.check([['a', [1, 0, 0, 0]]]).mismatches).toBe(1);
  });

  it('keeps the first vector the baseline side got for a text', () => {
    const cross = new CrossSideVectors();
    cross.record([['a', [[1, 0], [0, 1]]]]);
    cross.record([['a', [0, 1]]]);
    expect(cross.check([['a', [1, 0]]]).mismatches).toBe(0);
  });
});

describe('the reference check', () => {
  it('is bit for bit', () => {
    const reference = new Map([['a', [0.5, 0.25]]]);
    expect(checkAgainstReference([['a', [[0.5, 0.25]]]], reference)).toMatchObject({ against: 'reference', compared: 1, mismatches: 0 });
    expect(checkAgainstReference([['a', [[0.5, 0.25 + 1e-12]]]], reference).mismatches).toBe(1);
  });
});
