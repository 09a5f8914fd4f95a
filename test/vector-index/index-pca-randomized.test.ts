import { describe, expect, it } from 'vitest';
import { explainedVariance, fitPca } from '../../src/parts/vector-index/pca.ts';
import { createRng } from '../../src/util/rng.ts';

/**
 * A sample whose covariance has a clear gap: 8 strong directions (standard deviations 12 down to 5), then weak
 * ones (0.5), rotated by a random orthogonal matrix so no axis is a coordinate axis, plus a shared offset (the mean).
 */
function gappedSample(rows: number, dims: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const rotation = new Float64Array(dims * dims);
  for (let i = 0; i < rotation.length; i++) rotation[i] = rng.normal();
  for (let a = 0; a < dims; a++) {
    for (let b = 0; b < a; b++) {
      let d = 0;
      for (let i = 0; i < dims; i++) d += rotation[a * dims + i] * rotation[b * dims + i];
      for (let i = 0; i < dims; i++) rotation[a * dims + i] -= d * rotation[b * dims + i];
    }
    let n = 0;
    for (let i = 0; i < dims; i++) n += rotation[a * dims + i] ** 2;
    for (let i = 0; i < dims; i++) rotation[a * dims + i] /= Math.sqrt(n);
  }
  const out = new Float32Array(rows * dims);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < dims; a++) {
      const deviation = a < 8 ? 12 - a : 0.5;
      const z = rng.normal() * deviation;
      for (let i = 0; i < dims; i++) out[r * dims + i] += z * rotation[a * dims + i];
    }
    for (let i = 0; i < dims; i++) out[r * dims + i] += 3;
  }
  return out;
}

const DIMS = 64;
const ROWS = 600;
const sample = gappedSample(ROWS, DIMS, 21);

function dotAxes(a: Float32Array, i: number, b: Float32Array, j: number): number {
  let s = 0;
  for (let t = 0; t < DIMS; t++) s += a[i * DIMS + t] * b[j * DIMS + t];
  return s;
}

describe("fitPca 'randomized' (Halko range finder + power iterations)", () => {
  it('gives the same model for the same seed, and another start for another seed', () => {
    const a = fitPca(sample, DIMS, ROWS, { components: 8, method: 'randomized', seed: 5 }).model;
    const b = fitPca(sample, DIMS, ROWS, { components: 8, method: 'randomized', seed: 5 }).model;
    expect(Array.from(b.axes)).toEqual(Array.from(a.axes));
    expect(Array.from(b.eigenvalues)).toEqual(Array.from(a.eigenvalues));
    const c = fitPca(sample, DIMS, ROWS, { components: 8, method: 'randomized', seed: 6, powerIterations: 0 }).model;
    const d = fitPca(sample, DIMS, ROWS, { components: 8, method: 'randomized', seed: 7, powerIterations: 0 }).model;
    expect(Array.from(c.axes)).not.toEqual(Array.from(d.axes));
  });

  it('returns unit, mutually orthogonal axes with decreasing variances', () => {
    const { model } = fitPca(sample, DIMS, ROWS, { components: 12, method: 'randomized' });
    for (let a = 0; a < 12; a++) {
      expect(dotAxes(model.axes, a, model.axes, a)).toBeCloseTo(1, 5);
      for (let b = a + 1; b < 12; b++) expect(Math.abs(dotAxes(model.axes, a, model.axes, b))).toBeLessThan(1e-5);
      if (a > 0) expect(model.eigenvalues[a]).toBeLessThanOrEqual(model.eigenvalues[a - 1]);
    }
  });

  it('explains the variance the exact solver explains, with the same axes, on a spectrum with a gap', () => {
    const exact = fitPca(sample, DIMS, ROWS, { components: 8, method: 'covariance-evd' }).model;
    const { model } = fitPca(sample, DIMS, ROWS, { components: 8, method: 'randomized' });
    expect(Math.abs(explainedVariance(model) - explainedVariance(exact))).toBeLessThan(1e-5);
    for (let c = 0; c < 8; c++) {
      expect(Math.abs(model.eigenvalues[c] - exact.eigenvalues[c]) / exact.eigenvalues[c]).toBeLessThan(1e-4);
      expect(Math.abs(dotAxes(model.axes, c, exact.axes, c))).toBeGreaterThan(0.9999);
    }
    expect(model.totalVariance).toBe(exact.totalVariance);
    expect(Array.from(model.mean)).toEqual(Array.from(exact.mean));
  });

  it('works at a width that is not a multiple of the kernel step (zero-padded rows)', () => {
    const dims = 50;
    const rows = gappedSample(301, dims, 3);
    const exact = fitPca(rows, dims, 301, { components: 4, method: 'covariance-evd' }).model;
    const { model } = fitPca(rows, dims, 301, { components: 4, method: 'randomized' });
    expect(Math.abs(explainedVariance(model) - explainedVariance(exact))).toBeLessThan(1e-4);
  });

  it('rejects a negative number of power iterations', () => {
    expect(() => fitPca(sample, DIMS, ROWS, { components: 4, method: 'randomized', powerIterations: -1 })).toThrow(/option 'powerIterations'/);
  });
});
