import { describe, expect, it } from 'vitest';
import { CovarianceProducts, covarianceBlocked, covarianceFloat64 } from '../../src/parts/vector-index/covariance.ts';
import { explainedVariance, fitPca, type PcaModel } from '../../src/parts/vector-index/pca.ts';
import { createRng } from '../../src/util/rng.ts';

/**
 * A sample with a known spectrum: standard deviations `deviations[a]` along the rows of a seeded random rotation
 * (so no axis is a coordinate axis), plus a shared offset. Returns the rows and the rotation (the true axes).
 */
function knownSpectrum(rows: number, dims: number, deviations: (a: number) => number, seed: number): { data: Float32Array; axes: Float64Array } {
  const rng = createRng(seed);
  const rotation = new Float64Array(dims * dims);
  for (let i = 0; i < rotation.length; i++) rotation[i] = rng.normal();
  for (let a = 0; a < dims; a++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let b = 0; b < a; b++) {
        let d = 0;
        for (let i = 0; i < dims; i++) d += rotation[a * dims + i] * rotation[b * dims + i];
        for (let i = 0; i < dims; i++) rotation[a * dims + i] -= d * rotation[b * dims + i];
      }
    }
    let n = 0;
    for (let i = 0; i < dims; i++) n += rotation[a * dims + i] ** 2;
    for (let i = 0; i < dims; i++) rotation[a * dims + i] /= Math.sqrt(n);
  }
  const data = new Float32Array(rows * dims);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < dims; a++) {
      const z = rng.normal() * deviations(a);
      for (let i = 0; i < dims; i++) data[r * dims + i] += z * rotation[a * dims + i];
    }
    for (let i = 0; i < dims; i++) data[r * dims + i] += 0.5;
  }
  return { data, axes: rotation };
}

/**
 * Cosines of the principal angles between the spans of `a` and `b` (k unit, orthogonal rows each): the singular
 * values of the k x k matrix A Bᵀ, as square roots of the eigenvalues of (A Bᵀ)(A Bᵀ)ᵀ by Jacobi rotations. 1 for
 * every angle means the same subspace; the smallest is the worst direction.
 */
function principalCosines(a: ArrayLike<number>, b: ArrayLike<number>, k: number, dims: number): number[] {
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < dims; t++) s += a[i * dims + t] * b[j * dims + t];
    m[i * k + j] = s;
  }
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += m[i * k + t] * m[j * k + t];
    g[i * k + j] = s;
  }
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += g[p * k + q] ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = g[p * k + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (g[q * k + q] - g[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const grp = g[r * k + p];
          const grq = g[r * k + q];
          g[r * k + p] = c * grp - s * grq;
          g[r * k + q] = s * grp + c * grq;
        }
        for (let r = 0; r < k; r++) {
          const gpr = g[p * k + r];
          const gqr = g[q * k + r];
          g[p * k + r] = c * gpr - s * gqr;
          g[q * k + r] = s * gpr + c * gqr;
        }
      }
    }
  }
  return Array.from({ length: k }, (_, i) => Math.sqrt(Math.max(0, g[i * k + i]))).sort((x, y) => x - y);
}

const DIMS = 96;
const ROWS = 1500;
const K = 12;
// Twelve strong directions decaying slowly (8 down to 4.7), then a tail decaying from 1.5: a gap at 12, and a tail a
// solver must separate from the head.
const deviation = (a: number) => (a < K ? 8 - 0.3 * a : 1.5 * Math.pow(0.97, a - K));
const { data, axes: trueAxes } = knownSpectrum(ROWS, DIMS, deviation, 31);

function model(method: 'randomized' | 'covariance-evd', extra: Parameters<typeof fitPca>[3] extends infer O ? Partial<O> : never = {}): PcaModel {
  return fitPca(data, DIMS, ROWS, { components: K, method, ...extra }).model;
}

describe("fitPca 'randomized' through the covariance (blocked SIMD Gram kernel)", () => {
  const exact = model('covariance-evd');

  it('spans the exact fit’s subspace: every principal angle below 0.5 degrees, variance within 1e-5', () => {
    const fit = fitPca(data, DIMS, ROWS, { components: K, method: 'randomized', products: 'covariance' });
    expect(fit.products).toBe('covariance');
    const cosines = principalCosines(fit.model.axes, exact.axes, K, DIMS);
    expect(cosines[0]).toBeGreaterThan(Math.cos((0.5 * Math.PI) / 180));
    expect(Math.abs(explainedVariance(fit.model) - explainedVariance(exact))).toBeLessThan(1e-5);
    for (let c = 0; c < K; c++) expect(Math.abs(fit.model.eigenvalues[c] - exact.eigenvalues[c]) / exact.eigenvalues[c]).toBeLessThan(1e-4);
    // And the exact fit itself recovers the planted axes up to sampling error (the sample, not the solver).
    expect(principalCosines(exact.axes, Float64Array.from(trueAxes.subarray(0, K * DIMS)), K, DIMS)[0]).toBeGreaterThan(0.99);
  });

  it('fails the same check without power iterations (the check can tell a solver that stops short)', () => {
    const rough = model('randomized', { powerIterations: 0, oversample: 0, products: 'covariance' });
    const cosines = principalCosines(rough.axes, exact.axes, K, DIMS);
    expect(cosines[0]).toBeLessThan(Math.cos((0.5 * Math.PI) / 180));
  });

  it('gives the same axes by either route (C formed once, or X and Xᵀ every iteration), from the same seeded start', () => {
    const viaCovariance = model('randomized', { products: 'covariance' });
    const viaRows = model('randomized', { products: 'rows' });
    const cosines = principalCosines(viaCovariance.axes, viaRows.axes, K, DIMS);
    expect(cosines[0]).toBeGreaterThan(1 - 1e-6);
    for (let c = 0; c < K; c++) expect(Math.abs(viaCovariance.eigenvalues[c] - viaRows.eigenvalues[c]) / viaRows.eigenvalues[c]).toBeLessThan(1e-5);
  });

  it('is deterministic from its seed, bit for bit, and another seed starts elsewhere', () => {
    const a = model('randomized', { seed: 3, products: 'covariance' });
    const b = model('randomized', { seed: 3, products: 'covariance' });
    expect(Array.from(b.axes)).toEqual(Array.from(a.axes));
    expect(Array.from(b.eigenvalues)).toEqual(Array.from(a.eigenvalues));
    const c = model('randomized', { seed: 4, products: 'covariance', powerIterations: 0, oversample: 0 });
    const d = model('randomized', { seed: 5, products: 'covariance', powerIterations: 0, oversample: 0 });
    expect(Array.from(c.axes)).not.toEqual(Array.from(d.axes));
  });

  it("picks the covariance route when it needs fewer multiply-adds, the rows route for a narrow block of wide rows", () => {
    // Block 22, 7 passes: covariance 1500 x 96² / 2 + 8 x 96² x 22 = 8.5e6 multiply-adds, rows 2 x 8 x 1500 x 96 x 22 = 5.1e7.
    expect(fitPca(data, DIMS, ROWS, { components: K, method: 'randomized' }).products).toBe('covariance');
    // Block 2 of 512-wide rows, 4 passes: covariance 200 x 512² / 2 + 5 x 512² x 2 = 2.9e7, rows 2 x 5 x 200 x 512 x 2 = 2.0e6.
    const wide = knownSpectrum(200, 512, (a) => (a < 2 ? 5 : 0.1), 8);
    expect(fitPca(wide.data, 512, 200, { components: 1, method: 'randomized', oversample: 1 }).products).toBe('rows');
  });

  it('takes the full eigendecomposition when the block spans every dimension (no iterations)', () => {
    const all = fitPca(data, DIMS, ROWS, { components: DIMS - 4, method: 'randomized' });
    expect(all.iterations).toBe(0);
    const full = fitPca(data, DIMS, ROWS, { components: DIMS - 4, method: 'covariance-evd' }).model;
    for (const c of [0, K - 1, DIMS - 5]) expect(Math.abs(all.model.eigenvalues[c] - full.eigenvalues[c]) / full.eigenvalues[c]).toBeLessThan(1e-5);
  });

  it('rejects an unknown products option', () => {
    expect(() => fitPca(data, DIMS, ROWS, { components: K, method: 'randomized', products: 'gpu' as never })).toThrow(/option 'products'/);
  });
});

describe('covarianceBlocked', () => {
  it('matches the float64 covariance to float32 rounding, at widths and row counts off the kernel steps', () => {
    for (const [rows, dims] of [[700, 50], [2100, 33], [5, 7]] as const) {
      const { data: sample } = knownSpectrum(rows, dims, (a) => 3 / (1 + a), rows + dims);
      const mean = new Float64Array(dims);
      for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) mean[j] += sample[r * dims + j] / rows;
      const exact = covarianceFloat64(sample, dims, rows, mean);
      const blocked = covarianceBlocked(sample, dims, rows, mean);
      let largest = 0;
      for (const v of exact) largest = Math.max(largest, Math.abs(v));
      for (let i = 0; i < exact.length; i++) expect(Math.abs(blocked[i] - exact[i])).toBeLessThan(1e-6 * largest);
      for (let i = 0; i < dims; i++) for (let j = 0; j < i; j++) expect(blocked[i * dims + j]).toBe(blocked[j * dims + i]);
    }
  });

  it('CovarianceProducts multiplies C by a block of directions to float32 rounding', () => {
    const dims = 40;
    const rng = createRng(12);
    const c = new Float64Array(dims * dims);
    for (let i = 0; i < dims; i++) for (let j = 0; j <= i; j++) c[i * dims + j] = c[j * dims + i] = rng.normal();
    const block = 7;
    const basis = Float64Array.from({ length: block * dims }, () => rng.normal());
    const out = new Float64Array(block * dims);
    new CovarianceProducts(c, dims).apply(basis, block, out);
    for (let b = 0; b < block; b++) {
      for (let j = 0; j < dims; j++) {
        let s = 0;
        for (let t = 0; t < dims; t++) s += c[j * dims + t] * basis[b * dims + t];
        expect(Math.abs(out[b * dims + j] - s)).toBeLessThan(1e-5 * Math.sqrt(dims));
      }
    }
  });
});
