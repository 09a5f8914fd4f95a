import { describe, expect, it } from 'vitest';
import { growthExponent } from '../../src/measure/growth.ts';

describe('growthExponent (log-log slope)', () => {
  it('recovers the exponent of an exact power law', () => {
    for (const exponent of [0, 0.5, 1, 1.3, -0.2]) {
      const points = [1e4, 1e5, 1e6].map((n) => ({ n, value: 3.7 * n ** exponent }));
      expect(growthExponent(points)).toBeCloseTo(exponent, 10);
    }
  });

  it('fits the least-squares slope through noisy points (not the end-to-end slope)', () => {
    // log10 n = 0, 1, 2. Values 10^0, 10^1.2, 10^2: slope 1 (the middle point is off the line but centred).
    // Values 10^0, 10^1.5, 10^2.5: slope 1.25, where the ends alone would give 1.25 too and the first pair 1.5.
    expect(growthExponent([{ n: 1, value: 1 }, { n: 10, value: 10 ** 1.2 }, { n: 100, value: 100 }])).toBeCloseTo(1, 10);
    expect(growthExponent([{ n: 1, value: 1 }, { n: 10, value: 10 ** 1.5 }, { n: 100, value: 10 ** 2.5 }])).toBeCloseTo(1.25, 10);
  });

  it('is NaN with fewer than two distinct sizes, or a value that is not positive', () => {
    expect(growthExponent([{ n: 10, value: 1 }])).toBeNaN();
    expect(growthExponent([{ n: 10, value: 1 }, { n: 10, value: 2 }])).toBeNaN();
    expect(growthExponent([{ n: 10, value: 0 }, { n: 100, value: 2 }])).toBeNaN();
    expect(growthExponent([{ n: 10, value: -1 }, { n: 100, value: 2 }])).toBeNaN();
    expect(growthExponent([{ n: 10, value: Number.NaN }, { n: 100, value: 2 }])).toBeNaN();
  });
});
