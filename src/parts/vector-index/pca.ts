/**
 * Principal component analysis of a sample of vectors: the mean and the top principal axes, by one of six methods.
 * The three ml-pca methods (SVD, covariance + full eigendecomposition, NIPALS) are kept to be measured against.
 * fitPca's own default stays 'subspace'; CompressedIndex's default is 'randomized' (docs/results.md, "PCA fit"):
 *
 * - 'subspace': the sample covariance C (d x d, covariance.ts: float32 products by the SIMD Gram kernel, summed in
 *   float64), then block subspace iteration for the top components: Q <- orth(C Q) from a seeded random block of
 *   `components + oversample` rows, stopped when the captured variance trace(Qᵀ C Q) changes by less than
 *   `tolerance` (relative), then one Rayleigh-Ritz step (a small symmetric eigendecomposition by ml-matrix) to
 *   rotate the block onto the principal axes.
 * - 'randomized': Halko, Martinsson & Tropp's randomized range finder with power iterations (scikit-learn's
 *   'randomized' solver): a seeded Gaussian block of `components + oversample` directions, `powerIterations` times
 *   replaced by orth(C Q) (orthonormalized in the d-wide row space, Cholesky QR), then the same Rayleigh-Ritz step.
 *   C Q comes from the covariance formed once (as 'subspace' forms it), or, when that costs more multiply-adds (a
 *   narrow block of wide rows), as Xᵀ (X Q) from float32 batch scans over X and its transpose (`products`).
 * - 'covariance-evd': the covariance in float64 arithmetic, then ml-matrix's full symmetric EVD of the d x d matrix
 *   (exact, O(d³)): the reference the others are measured against.
 * - 'ml-pca-svd', 'ml-pca-covariance', 'ml-pca-nipals': ml-pca's own methods on the centred sample.
 *
 * Every method returns axes as unit rows, eigenvalues in decreasing order, and a deterministic sign per axis (its
 * largest coordinate positive), so the same sample gives the same model whichever method computed it.
 */
import { EVD, Matrix } from 'ml-matrix';
import { PCA } from 'ml-pca';
import { OptionError } from '../../errors.ts';
import { createRng } from '../../util/rng.ts';
import { CovarianceProducts, covarianceBlocked, covarianceFloat64 } from './covariance.ts';
import { crossDots, orthonormalizeRows, orthonormalizeRowsCholesky } from './linalg.ts';
import { WasmRows } from './wasm-rows.ts';

export const PCA_METHODS = ['subspace', 'randomized', 'covariance-evd', 'ml-pca-svd', 'ml-pca-covariance', 'ml-pca-nipals'] as const;
export type PcaMethod = (typeof PCA_METHODS)[number];

/** How 'randomized' computes its products C Q (see `PcaFitOptions.products`). */
export const RANDOMIZED_PRODUCTS = ['auto', 'covariance', 'rows'] as const;
export type RandomizedProducts = (typeof RANDOMIZED_PRODUCTS)[number];

/** A fitted projection: x -> axes · (x - mean) keeps the `components` directions of largest sample variance. */
export interface PcaModel {
  /** Width of the input vectors. */
  readonly dims: number;
  /** Number of axes kept (output width). */
  readonly components: number;
  /** Sample mean, `dims` long. */
  readonly mean: Float64Array;
  /** Principal axes, `components` rows of `dims` (row-major), unit length, mutually orthogonal. */
  readonly axes: Float32Array;
  /** Sample variance along each axis, decreasing. */
  readonly eigenvalues: Float64Array;
  /** Total sample variance (trace of the covariance), so that explained variance = Σ eigenvalues / totalVariance. */
  readonly totalVariance: number;
}

export interface PcaFitOptions {
  /** Axes to keep; at most the input width, and at most rows - 1 (a sample of n rows spans n - 1 directions). */
  components: number;
  /** Default 'subspace' (chosen by measurement; see README.md). */
  method?: PcaMethod;
  /** 'subspace' and 'randomized': extra block rows beyond `components`. Default 32 ('subspace'), 10 ('randomized', as scikit-learn). */
  oversample?: number;
  /**
   * 'randomized' only: power iterations. Default as scikit-learn's 'auto': 7 when components >= 0.1 x min(rows,
   * width), else 4.
   */
  powerIterations?: number;
  /** 'subspace' only: most iterations. Default 40. */
  maxIterations?: number;
  /**
   * 'subspace' only: stop when the captured variance grows by less than this fraction in one iteration. Default
   * 1e-3: on the mock's 5000 x 1536 sample that stops after ~6 iterations with 0.8877 of the variance in the top 256
   * axes, against 0.8881 for the exact eigendecomposition (README.md).
   */
  tolerance?: number;
  /**
   * 'randomized' only: how the covariance products C Q are computed. 'covariance' forms C = Xᵀ X / (n - 1) once
   * (blocked SIMD Gram kernel, n·d²/2 multiply-adds) and multiplies the d x d matrix; 'rows' multiplies X and Xᵀ in
   * every iteration (2·n·d·block each, as scikit-learn does) and holds two float32 copies of the sample; 'auto'
   * picks whichever needs fewer multiply-adds (covariance unless the block is narrow against the width). Both
   * start from the same seeded block, so they give the same axes up to rounding. Default 'auto'.
   */
  products?: RandomizedProducts;
  /** 'subspace' and 'randomized': seed of the random starting block. Default 1. */
  seed?: number;
  /** 'subspace' only: called after each iteration with the variance the block captures (for benches and progress). */
  onIteration?: (iteration: number, capturedVariance: number) => void;
}

export interface PcaFitResult {
  model: PcaModel;
  method: PcaMethod;
  /** Rows the model was fitted on. */
  sampleRows: number;
  /** Iterations run: 'subspace' its subspace iterations, 'randomized' its power iterations (0 when the block spans every dimension); 0 for the direct methods. */
  iterations: number;
  /** Whether 'subspace' met its tolerance before maxIterations (always true for the direct methods). */
  converged: boolean;
  /** 'randomized' only: how its products C Q were computed ('auto' resolved). */
  products?: 'covariance' | 'rows';
}

/** Share of the sample's variance the model's axes keep, in [0, 1]. */
export function explainedVariance(model: PcaModel): number {
  if (model.totalVariance === 0) return 1;
  let kept = 0;
  for (const value of model.eigenvalues) kept += value;
  return kept / model.totalVariance;
}

/** The same model keeping only its first `components` axes (principal axes nest: the top 64 of 512 are the top 64). */
export function truncateModel(model: PcaModel, components: number): PcaModel {
  if (!Number.isInteger(components) || components < 1 || components > model.components) {
    throw new OptionError('components', `an integer from 1 to the model's ${model.components}`, components);
  }
  return {
    dims: model.dims,
    components,
    mean: model.mean,
    axes: model.axes.slice(0, components * model.dims),
    eigenvalues: model.eigenvalues.slice(0, components),
    totalVariance: model.totalVariance,
  };
}

/** Bytes a model holds: mean and eigenvalues as float64, axes as float32. */
export function modelBytes(model: PcaModel): number {
  return model.mean.byteLength + model.axes.byteLength + model.eigenvalues.byteLength;
}

/**
 * Fits PCA on `count` rows of `rows` (row-major, `dims` wide). The rows are not modified.
 */
export function fitPca(rows: Float32Array | Float64Array, dims: number, count: number, options: PcaFitOptions): PcaFitResult {
  const method = options.method ?? 'subspace';
  const k = options.components;
  if (!(PCA_METHODS as readonly string[]).includes(method)) throw new OptionError('method', `one of ${PCA_METHODS.join(', ')}`, method);
  if (!Number.isInteger(k) || k < 1 || k > dims) throw new OptionError('components', `an integer from 1 to the input width ${dims}`, k);
  if (count < k + 1) {
    throw new RangeError(`fitPca: ${k} components need a sample of at least ${k + 1} rows, found ${count}`);
  }
  if (rows.length < count * dims) throw new RangeError(`fitPca: expected ${count} rows of ${dims}, found ${rows.length} values`);

  const mean = columnMeans(rows, dims, count);
  const totalVariance = traceOfCovariance(rows, dims, count, mean);
  let axes: Float64Array;
  let eigenvalues: Float64Array;
  let iterations = 0;
  let converged = true;
  let products: 'covariance' | 'rows' | undefined;

  switch (method) {
    case 'subspace': {
      const oversample = options.oversample ?? 32;
      const maxIterations = options.maxIterations ?? 40;
      const tolerance = options.tolerance ?? 1e-3;
      if (!Number.isInteger(oversample) || oversample < 0) throw new OptionError('oversample', 'an integer >= 0', oversample);
      if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new OptionError('maxIterations', 'an integer >= 1', maxIterations);
      if (!(tolerance > 0)) throw new OptionError('tolerance', 'a number > 0', tolerance);
      const block = Math.min(dims, k + oversample);
      const apply = covarianceApply(rows, dims, count, mean, block);
      const result = subspaceIteration(apply, dims, k, block, { maxIterations, tolerance, seed: options.seed ?? 1, onIteration: options.onIteration });
      ({ axes, eigenvalues, iterations, converged } = result);
      break;
    }
    case 'randomized': {
      const oversample = options.oversample ?? 10;
      const powerIterations = options.powerIterations ?? (k >= 0.1 * Math.min(count, dims) ? 7 : 4);
      const route = options.products ?? 'auto';
      if (!Number.isInteger(oversample) || oversample < 0) throw new OptionError('oversample', 'an integer >= 0', oversample);
      if (!Number.isInteger(powerIterations) || powerIterations < 0) throw new OptionError('powerIterations', 'an integer >= 0', powerIterations);
      if (!(RANDOMIZED_PRODUCTS as readonly string[]).includes(route)) throw new OptionError('products', `one of ${RANDOMIZED_PRODUCTS.join(', ')}`, route);
      const block = Math.min(dims, count - 1, k + oversample);
      // A block spanning every dimension needs no iteration: Rayleigh-Ritz on it is the full eigendecomposition.
      const passes = block === dims ? 0 : powerIterations;
      products = route === 'auto' ? cheaperProducts(dims, count, block, passes) : route;
      const apply = products === 'covariance' ? covarianceApply(rows, dims, count, mean, block) : rowsApply(rows, dims, count, mean, block);
      ({ axes, eigenvalues } = randomizedSubspace(apply, dims, k, block, passes, options.seed ?? 1));
      iterations = passes;
      break;
    }
    case 'covariance-evd': {
      const covariance = covarianceFloat64(rows, dims, count, mean);
      ({ axes, eigenvalues } = symmetricEigen(covariance, dims, k));
      break;
    }
    case 'ml-pca-svd':
    case 'ml-pca-covariance':
    case 'ml-pca-nipals': {
      ({ axes, eigenvalues } = viaMlPca(rows, dims, count, k, method));
      break;
    }
  }

  fixSigns(axes, k, dims);
  const model: PcaModel = { dims, components: k, mean, axes: Float32Array.from(axes), eigenvalues, totalVariance };
  return { model, method, sampleRows: count, iterations, converged, ...(products ? { products } : {}) };
}

function columnMeans(rows: Float32Array | Float64Array, dims: number, count: number): Float64Array {
  const mean = new Float64Array(dims);
  for (let r = 0; r < count; r++) {
    const base = r * dims;
    for (let j = 0; j < dims; j++) mean[j] += rows[base + j];
  }
  for (let j = 0; j < dims; j++) mean[j] /= count;
  return mean;
}

function traceOfCovariance(rows: Float32Array | Float64Array, dims: number, count: number, mean: Float64Array): number {
  let sum = 0;
  for (let r = 0; r < count; r++) {
    const base = r * dims;
    for (let j = 0; j < dims; j++) {
      const v = rows[base + j] - mean[j];
      sum += v * v;
    }
  }
  return sum / (count - 1);
}

/**
 * Top-k eigenpairs of a symmetric d x d matrix by block subspace iteration (block of `block` >= k rows).
 *
 * Each iteration: Y = C Q (rows of Q are the basis vectors), captured = trace(Q C Qᵀ) = Σ_i q_i · y_i, Q = orth(Y).
 * The captured variance rises monotonically to the sum of the top `block` eigenvalues; when it stops rising (relative
 * change < tolerance), a Rayleigh-Ritz step takes the eigenvectors of the small block x block matrix Q C Qᵀ and
 * rotates Q onto them, which orders the block by variance: its first k rows are the top-k approximate axes.
 */
function subspaceIteration(
  apply: ApplyCovariance,
  dims: number,
  k: number,
  block: number,
  control: { maxIterations: number; tolerance: number; seed: number; onIteration?: (iteration: number, captured: number) => void },
): { axes: Float64Array; eigenvalues: Float64Array; iterations: number; converged: boolean } {
  const { maxIterations, tolerance, seed, onIteration } = control;
  const rng = createRng(seed).fork('pca-subspace');
  const random = () => rng.normal();
  let basis = new Float64Array(block * dims);
  for (let i = 0; i < basis.length; i++) basis[i] = random();
  orthonormalizeRows(basis, block, dims, random);
  let product = new Float64Array(block * dims);
  let previous = 0;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; ) {
    // product = basis · C (C symmetric, so row b of the product is C · basis_b).
    apply(basis, product);
    iterations++;
    let captured = 0;
    for (let i = 0; i < basis.length; i++) captured += basis[i] * product[i];
    onIteration?.(iterations, captured);
    if (iterations > 1 && captured - previous <= tolerance * Math.abs(captured)) {
      converged = true;
      break;
    }
    previous = captured;
    if (iterations === maxIterations) break;
    const next = basis;
    basis = product;
    product = next;
    if (!orthonormalizeRowsCholesky(basis, block, dims)) orthonormalizeRows(basis, block, dims, random);
  }
  return { ...rayleighRitz(basis, product, block, dims, k), iterations, converged };
}

/**
 * Rayleigh-Ritz: given an orthonormal `basis` (block rows of `dims`) and `product` = its rows times the covariance,
 * the eigenvectors of the small block x block matrix basis · C · basisᵀ rotate the basis onto its best
 * approximations of the top-k axes; their eigenvalues are the variances along them.
 */
function rayleighRitz(
  basis: Float64Array,
  product: Float64Array,
  block: number,
  dims: number,
  k: number,
): { axes: Float64Array; eigenvalues: Float64Array } {
  const small = new Float64Array(block * block);
  crossDots(basis, block, product, block, dims, small);
  for (let i = 0; i < block; i++) {
    for (let j = i + 1; j < block; j++) {
      const m = (small[i * block + j] + small[j * block + i]) / 2;
      small[i * block + j] = m;
      small[j * block + i] = m;
    }
  }
  const ritz = symmetricEigen(small, block, k);
  // axes_c = Σ_b ritz.axes[c][b] · basis_b
  const axes = new Float64Array(k * dims);
  for (let c = 0; c < k; c++) {
    const out = c * dims;
    for (let b = 0; b < block; b++) {
      const w = ritz.axes[c * block + b];
      if (w === 0) continue;
      const src = b * dims;
      for (let i = 0; i < dims; i++) axes[out + i] += w * basis[src + i];
    }
  }
  return { axes, eigenvalues: ritz.eigenvalues };
}

/** product = basis · C for a block of `block` directions (rows of `dims`), C the sample covariance. */
type ApplyCovariance = (basis: Float64Array, product: Float64Array) => void;

/**
 * The 'randomized' method (Halko, Martinsson & Tropp 2011, randomized subspace iteration), as scikit-learn's
 * randomized solver: Q starts as an orthonormalized seeded Gaussian block and is `passes` times replaced by
 * orth(C Q), C = Xᵀ X / (count - 1) for the centred sample X; a last product C Q feeds the Rayleigh-Ritz step.
 * Orthonormalizing in the dims-wide row space only (Cholesky QR, float64) keeps the n-side products free.
 * How C Q is computed is `apply`'s business (covarianceApply or rowsApply); both start from the same seeded block.
 */
function randomizedSubspace(
  apply: ApplyCovariance,
  dims: number,
  k: number,
  block: number,
  passes: number,
  seed: number,
): { axes: Float64Array; eigenvalues: Float64Array } {
  const rng = createRng(seed).fork('pca-randomized');
  const random = () => rng.normal();
  let basis = new Float64Array(block * dims);
  for (let i = 0; i < basis.length; i++) basis[i] = random();
  // The Gaussian block goes into the first product as it is (as scikit-learn's does): only the Rayleigh-Ritz step
  // needs an orthonormal basis, so it is orthonormalized here only when no iteration follows.
  if (passes === 0 && !orthonormalizeRowsCholesky(basis, block, dims)) orthonormalizeRows(basis, block, dims, random);
  let product = new Float64Array(block * dims);
  for (let i = 0; i < passes; i++) {
    apply(basis, product);
    const next = basis;
    basis = product;
    product = next;
    // One CholeskyQR pass between iterations, two (orthonormal to rounding) before the last product.
    const cholesky = i === passes - 1 ? 2 : 1;
    if (!orthonormalizeRowsCholesky(basis, block, dims, cholesky)) orthonormalizeRows(basis, block, dims, random);
  }
  apply(basis, product);
  return rayleighRitz(basis, product, block, dims, k);
}

/**
 * Which way of computing C Q costs fewer multiply-adds for `passes` power iterations plus the final product:
 * 'covariance' forms C once (count x dims² / 2, the upper half) and then multiplies dims² x block per product;
 * 'rows' never forms C and multiplies X then Xᵀ, 2 x count x dims x block per product. Both run on the same SIMD
 * kernel, so multiply-adds compare their times. On the 20,000 x 1536 mock file at 256 components (block 266, 7
 * passes) that is 2.9e10 against 1.3e11: covariance. A narrow fit of wide rows (block well under dims / 4) is
 * cheaper by rows.
 */
function cheaperProducts(dims: number, count: number, block: number, passes: number): 'covariance' | 'rows' {
  const products = passes + 1;
  const viaCovariance = (count * dims * dims) / 2 + products * dims * dims * block;
  const viaRows = 2 * products * count * dims * block;
  return viaCovariance <= viaRows ? 'covariance' : 'rows';
}

/** C Q from the covariance, formed once by the blocked SIMD Gram kernel (covariance.ts). */
function covarianceApply(rows: Float32Array | Float64Array, dims: number, count: number, mean: Float64Array, block: number): ApplyCovariance {
  const products = new CovarianceProducts(covarianceBlocked(rows, dims, count, mean), dims);
  return (basis, product) => products.apply(basis, block, product);
}

/**
 * C Q as Xᵀ (X Q) / (count - 1) by two float32 batch scans (WasmRows.scanMany) over the centred sample X and its
 * transpose, never forming C: count x dims x block multiply-adds each. Holds X twice (rows and transpose) in
 * float32; in float32 that loses the smallest kept directions only when σ₁² / σ_k² nears 1e7.
 */
function rowsApply(rows: Float32Array | Float64Array, dims: number, count: number, mean: Float64Array, block: number): ApplyCovariance {
  // Widths padded with zeros to whole 64-byte steps of the SIMD kernel (zeros add nothing to a dot product).
  const pad = (n: number) => Math.ceil(n / 16) * 16;
  const width = pad(dims);
  const length = pad(count);
  const centred = new WasmRows('f32', width, count);
  const transposed = new WasmRows('f32', length, dims);
  {
    const x = centred.view as Float32Array;
    const t = transposed.view as Float32Array;
    for (let r = 0; r < count; r++) {
      const src = r * dims;
      const dst = r * width;
      for (let j = 0; j < dims; j++) {
        const v = Math.fround(rows[src + j] - mean[j]);
        x[dst + j] = v;
        t[j * length + r] = v;
      }
    }
  }
  const queries = new Float32Array(block * width);
  const projected = new Float32Array(block * count);
  const back = new Float32Array(block * length);
  const products = new Float32Array(block * dims);
  const inverse = 1 / (count - 1);
  // product = basis · C, row b = C basis_b = Xᵀ (X basis_b) / (count - 1).
  return (basis, product) => {
    for (let b = 0; b < block; b++) for (let j = 0; j < dims; j++) queries[b * width + j] = basis[b * dims + j];
    centred.scanMany(queries, block, count, projected);
    for (let b = 0; b < block; b++) back.set(projected.subarray(b * count, (b + 1) * count), b * length);
    transposed.scanMany(back, block, dims, products);
    for (let i = 0; i < block * dims; i++) product[i] = products[i] * inverse;
  };
}

/** Top-k eigenpairs of a symmetric n x n row-major matrix, by ml-matrix's EVD (Householder + QL, O(n³)). */
function symmetricEigen(matrix: Float64Array, n: number, k: number): { axes: Float64Array; eigenvalues: Float64Array } {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, matrix[i * n + j]);
  const evd = new EVD(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
  const axes = new Float64Array(k * n);
  const eigenvalues = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const col = order[c];
    eigenvalues[c] = Math.max(0, values[col]);
    for (let i = 0; i < n; i++) axes[c * n + i] = vectors.get(i, col);
  }
  return { axes, eigenvalues };
}

function viaMlPca(
  rows: Float32Array | Float64Array,
  dims: number,
  count: number,
  k: number,
  method: 'ml-pca-svd' | 'ml-pca-covariance' | 'ml-pca-nipals',
): { axes: Float64Array; eigenvalues: Float64Array } {
  const data = new Matrix(count, dims);
  for (let r = 0; r < count; r++) for (let j = 0; j < dims; j++) data.set(r, j, rows[r * dims + j]);
  const mlMethod = method === 'ml-pca-svd' ? 'SVD' : method === 'ml-pca-covariance' ? 'covarianceMatrix' : 'NIPALS';
  const pca = new PCA(data, { method: mlMethod, center: true, scale: false, nCompNIPALS: k });
  const vectors = pca.getEigenvectors(); // dims x r, one axis per column
  const values = pca.getEigenvalues();
  // NIPALS reports |t|² = (n - 1) x the variance along the axis; the other methods report the variance itself.
  const divisor = method === 'ml-pca-nipals' ? count - 1 : 1;
  const available = Math.min(k, vectors.columns);
  const axes = new Float64Array(k * dims);
  const eigenvalues = new Float64Array(k);
  for (let c = 0; c < available; c++) {
    eigenvalues[c] = Math.max(0, values[c] / divisor);
    for (let i = 0; i < dims; i++) axes[c * dims + i] = vectors.get(i, c);
  }
  return { axes, eigenvalues };
}

/** Flips each axis so its largest-magnitude coordinate is positive: the sign of an eigenvector is arbitrary. */
function fixSigns(axes: Float64Array, k: number, dims: number): void {
  for (let c = 0; c < k; c++) {
    let largest = 0;
    for (let i = 0; i < dims; i++) if (Math.abs(axes[c * dims + i]) > Math.abs(largest)) largest = axes[c * dims + i];
    if (largest < 0) for (let i = 0; i < dims; i++) axes[c * dims + i] = -axes[c * dims + i];
  }
}
