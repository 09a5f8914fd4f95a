import { describe, expect, it } from 'vitest';
import { bootstrapRatioInterval, exactUDistribution, mannWhitneyU, median, normalUpperTail } from '../../src/compare/statistics.ts';

describe('Mann-Whitney U', () => {
  it('matches the exact two-sided p-values of reference implementations', () => {
    // Reference values: scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method='exact').
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).pValue).toBeCloseTo(0.1, 12);
    expect(mannWhitneyU([1, 3, 5, 7, 9], [2, 4, 6, 8, 10, 12]).pValue).toBeCloseTo(0.428571, 5);
    // 8 vs 8, completely separated: 2 / C(16, 8).
    const separated = mannWhitneyU([1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]);
    expect(separated.pValue).toBeCloseTo(2 / 12870, 12);
    expect(separated.method).toBe('exact');
  });

  it('the exact null distribution sums to 1 and is symmetric', () => {
    const dist = exactUDistribution(7, 5);
    expect(dist.length).toBe(36);
    expect(dist.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let k = 0; k < dist.length; k++) expect(dist[k]).toBeCloseTo(dist[dist.length - 1 - k], 14);
    expect(dist[0]).toBeCloseTo(1 / 792, 14); // 1 / C(12, 5)
  });

  it('uses the normal approximation with tie correction when values tie', () => {
    const tied = mannWhitneyU([1, 1, 2, 2, 3, 3], [2, 2, 3, 3, 4, 4]);
    expect(tied.method).toBe('normal');
    expect(tied.pValue).toBeGreaterThan(0.05);
    expect(tied.pValue).toBeLessThan(0.5);
  });

  it('identical samples give p = 1 and no effect; an empty side has nothing to test', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5])).toMatchObject({ pValue: 1, effectSize: 0 });
    expect(mannWhitneyU([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
    expect(mannWhitneyU([], [1, 2])).toMatchObject({ pValue: 1, method: 'none' });
  });

  it("Cliff's delta is +1 when every current value is larger, -1 when every one is smaller", () => {
    expect(mannWhitneyU([1, 2], [3, 4]).effectSize).toBe(1);
    expect(mannWhitneyU([3, 4], [1, 2]).effectSize).toBe(-1);
    expect(mannWhitneyU([1, 3], [2, 4]).effectSize).toBeCloseTo(0.5);
  });

  it('normal tail probabilities are accurate', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.644854)).toBeCloseTo(0.95, 6);
  });
});

describe('bootstrap interval of the ratio of medians', () => {
  it('is seeded: the same samples and key give the same interval', () => {
    const a = [100, 102, 98, 101, 99, 103];
    const b = [120, 119, 122, 121, 118, 123];
    const first = bootstrapRatioInterval(a, b, { confidence: 0.95, seedKey: 'k' });
    const second = bootstrapRatioInterval(a, b, { confidence: 0.95, seedKey: 'k' });
    expect(first).toEqual(second);
    expect(first!.ratio).toBeCloseTo(median(b) / median(a), 12);
    expect(first!.low).toBeGreaterThan(1.1);
    expect(first!.high).toBeLessThan(1.3);
    expect(first!.low).toBeLessThanOrEqual(first!.ratio);
    expect(first!.high).toBeGreaterThanOrEqual(first!.ratio);
  });

  it('is null with fewer than two values a side, or a saved median of 0', () => {
    expect(bootstrapRatioInterval([1], [1, 2], { confidence: 0.95, seedKey: 'k' })).toBeNull();
    expect(bootstrapRatioInterval([0, 0, 0], [1, 2], { confidence: 0.95, seedKey: 'k' })).toBeNull();
  });
});
