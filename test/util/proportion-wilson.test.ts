import { describe, expect, it } from 'vitest';
import { normalQuantile, wilsonInterval } from '../../src/util/proportion.ts';

describe('Wilson score interval', () => {
  it('matches published values', () => {
    // R: prop.test(x, n, correct = FALSE)$conf.int (the Wilson interval without continuity correction).
    expect(wilsonInterval(5, 10).lower).toBeCloseTo(0.2366, 4);
    expect(wilsonInterval(5, 10).upper).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval(1, 100).lower).toBeCloseTo(0.00177, 5);
    expect(wilsonInterval(1, 100).upper).toBeCloseTo(0.05449, 4);
  });

  it('gives z^2 / (n + z^2) as the upper bound of 0 successes, and 1 with no trials', () => {
    const z = 1.959963984540054;
    expect(wilsonInterval(0, 10).upper).toBeCloseTo((z * z) / (10 + z * z), 9);
    expect(wilsonInterval(0, 380).upper).toBeGreaterThan(0.01);
    expect(wilsonInterval(0, 381).upper).toBeLessThan(0.01);
    expect(wilsonInterval(0, 0)).toEqual({ rate: 0, lower: 0, upper: 1 });
    expect(wilsonInterval(7, 7).upper).toBe(1);
  });

  it('refuses counts that are not a proportion', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });

  it('has an accurate normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424309, 6);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});
