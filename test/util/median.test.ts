import { describe, expect, it } from 'vitest';
import { median as compareMedian } from '../../src/compare/statistics.ts';
import { median as harnessMedian } from '../../src/measure/latency.ts';
import { median, medianOfSorted } from '../../src/util/median.ts';

describe('median: the one used by the harness, compare and the charts', () => {
  it('is the middle value of an odd list and the mean of the two middle values of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([-1, 10])).toBe(4.5);
    expect(medianOfSorted([1, 2, 3, 10])).toBe(2.5);
  });

  it('sorts numerically, leaves its input alone, and is NaN for no values', () => {
    const values = [10, 9, 100];
    expect(median(values)).toBe(10);
    expect(values).toEqual([10, 9, 100]);
    expect(median([])).toBeNaN();
  });

  it('is the same function wherever it is imported from', () => {
    expect(harnessMedian).toBe(median);
    expect(compareMedian).toBe(median);
  });
});
