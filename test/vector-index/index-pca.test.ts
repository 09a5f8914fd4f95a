import { describe, expect, it } from 'vitest';
import { PCA_METHODS, explainedVariance, fitPca, truncateModel } from '../../src/parts/vector-index/pca.ts';
import { ScalarQuantizer } from '../../src/parts/vector-index/quantize.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const DIMS = 24;
const ROWS = 200;
const sample = new Float32Array(ROWS * DIMS);
syntheticEmbeddings({ count: ROWS, dims: DIMS, seed: 9, rotate: true }).forEach((v, r) => sample.set(v, r * DIMS));

function absDot(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
  let s = 0;
  for (let i = 0; i < DIMS; i++) s += a[ao + i] * b[bo + i];
  return Math.abs(s);
}

describe('fitPca', () => {
  const reference = fitPca(sample, DIMS, ROWS, { components: 6, method: 'covariance-evd' }).model;

  for (const method of PCA_METHODS) {
    it(`${method} finds the same axes and variances as the exact eigendecomposition`, () => {
      const { model } = fitPca(sample, DIMS, ROWS, { components: 6, method, tolerance: 1e-10, maxIterations: 300 });
      for (let c = 0; c < 6; c++) {
        expect(model.eigenvalues[c]).toBeCloseTo(reference.eigenvalues[c], 5);
        expect(absDot(model.axes, c * DIMS, reference.axes, c * DIMS)).toBeCloseTo(1, 3);
      }
      expect(Array.from(model.mean)).toEqual(Array.from(reference.mean));
    });
  }

  it('returns unit, orthogonal axes with decreasing variances and a deterministic sign', () => {
    const { model } = fitPca(sample, DIMS, ROWS, { components: 8 });
    for (let a = 0; a < 8; a++) {
      expect(absDot(model.axes, a * DIMS, model.axes, a * DIMS)).toBeCloseTo(1, 5);
      for (let b = a + 1; b < 8; b++) expect(absDot(model.axes, a * DIMS, model.axes, b * DIMS)).toBeLessThan(1e-5);
      if (a > 0) expect(model.eigenvalues[a]).toBeLessThanOrEqual(model.eigenvalues[a - 1]);
      const row = Array.from(model.axes.subarray(a * DIMS, (a + 1) * DIMS));
      const largest = row.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
    expect(fitPca(sample, DIMS, ROWS, { components: 8 }).model.axes).toEqual(model.axes);
  });

  it('explains all the variance with every component, and nests when truncated', () => {
    const full = fitPca(sample, DIMS, ROWS, { components: DIMS, method: 'covariance-evd' }).model;
    expect(explainedVariance(full)).toBeCloseTo(1, 6);
    const top4 = truncateModel(full, 4);
    expect(top4.components).toBe(4);
    expect(Array.from(top4.axes)).toEqual(Array.from(full.axes.subarray(0, 4 * DIMS)));
    expect(explainedVariance(top4)).toBeLessThan(explainedVariance(full));
    expect(() => truncateModel(full, DIMS + 1)).toThrow(/option 'components'/);
  });

  it('rejects a sample too small for the components asked', () => {
    expect(() => fitPca(sample, DIMS, 5, { components: 5 })).toThrow(/5 components need a sample of at least 6 rows, found 5/);
  });
});

describe('ScalarQuantizer', () => {
  it('reads every sampled value back within half a step, and clamps values outside the sampled range', () => {
    const rows = Float32Array.from([0, -2, 10, 1, 0.5, 10, -1, 2, 10]);
    const quantizer = ScalarQuantizer.fit(rows, 3, 3);
    const codes = new Int8Array(3);
    for (let r = 0; r < 3; r++) {
      quantizer.encode(rows, r * 3, codes, 0);
      for (let j = 0; j < 3; j++) {
        expect(Math.abs(quantizer.decode(codes[j], j) - rows[r * 3 + j])).toBeLessThanOrEqual(quantizer.scale[j] / 2 + 1e-7);
      }
    }
    expect(quantizer.scale[2]).toBe(0); // a constant dimension
    quantizer.encode([5, -7, 10], 0, codes, 0);
    expect(Array.from(codes)).toEqual([127, -127, 0]);
  });

  it('turns a dot product with the decoded vector into a constant plus an int8 dot product', () => {
    const rows = Float32Array.from([0.3, -0.2, 0.9, -0.4, 0.1, 0.5]);
    const quantizer = ScalarQuantizer.fit(rows, 3, 2);
    const codes = new Int8Array(3);
    quantizer.encode(rows, 0, codes, 0);
    const query = [0.5, -1, 2];
    const weights = new Float32Array(3);
    const constant = quantizer.queryWeights(query, weights);
    const viaCodes = constant + codes.reduce((s, c, j) => s + c * weights[j], 0);
    const decoded = query.reduce((s, q, j) => s + q * quantizer.decode(codes[j], j), 0);
    expect(viaCodes).toBeCloseTo(decoded, 6);
  });
});
