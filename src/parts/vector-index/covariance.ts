/**
 * The sample covariance C = Xᵀ X / (n - 1) of centred rows, and products C · Q with a block of directions: the two
 * dense steps every covariance-based PCA fit runs. Two ways to form C, behind one signature:
 *
 * - `covarianceFloat64`: float64 throughout, by the JavaScript Gram kernel (linalg.ts crossDots, ~1.4 G
 *   multiply-adds per second of CPU here). The exact reference; 'covariance-evd' uses it.
 * - `covarianceBlocked`: the same matrix from float32 products by the WebAssembly SIMD dense kernel
 *   (WasmRows.cross, 3 x 3 rows per pass). The rows are taken in chunks of CHUNK_ROWS, each chunk centred, rounded
 *   to float32 and transposed (one row per dimension, CHUNK_ROWS wide); the chunk's Gram matrix is the products of
 *   that store's rows with each other, upper half only (block i of QUERY_BLOCK dimensions against dimensions i..),
 *   summed in float32 within the chunk and added into float64 across chunks. So the error is the float32 rounding
 *   of the centred values (~6e-8 relative) plus float32 sums of CHUNK_ROWS / 4 products per lane: measured 1.3e-7
 *   of the largest entry on 3,000 of the mock's 1536-d embeddings, in 0.50 s of CPU against 2.9 s for float64.
 *
 * `CovarianceProducts` holds C once as float32 rows in WebAssembly memory and computes C · Q for a block of
 * directions by the same kernel (the product's rounding is ~1e-7 of |C| |q|, far below what a power iteration
 * needs).
 */
import { crossDots } from './linalg.ts';
import { WasmRows } from './wasm-rows.ts';

/** Rows of the sample summed in float32 before adding into the float64 matrix. */
const CHUNK_ROWS = Number(1024);
/** Dimensions per call of the dense kernel in the Gram matrix: one block row of the upper half. */
const QUERY_BLOCK = 96;

/** Widths are padded with zeros to whole 64-byte steps of the SIMD kernel (zeros add nothing to a dot product). */
const pad16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * The d x d sample covariance (divided by n - 1), row-major float64, in float64 arithmetic. The centred sample is
 * first transposed so each dimension's n values are contiguous; entry (i, j) is then a dot product of two columns
 * (Gram kernel, upper half).
 */
export function covarianceFloat64(rows: Float32Array | Float64Array, dims: number, count: number, mean: Float64Array): Float64Array {
  const columns = new Float64Array(dims * count);
  for (let r = 0; r < count; r++) {
    const base = r * dims;
    for (let j = 0; j < dims; j++) columns[j * count + r] = rows[base + j] - mean[j];
  }
  const covariance = new Float64Array(dims * dims);
  crossDots(columns, dims, columns, dims, count, covariance, true);
  const inverse = 1 / (count - 1);
  for (let i = 0; i < covariance.length; i++) covariance[i] *= inverse;
  return covariance;
}

/**
 * The same matrix as `covarianceFloat64`, from float32 products by the SIMD kernel, chunk by chunk (see the module
 * comment for the error). Holds one chunk (d x CHUNK_ROWS float32, twice: a JavaScript copy and the kernel's store)
 * besides the result; never a copy of the whole sample.
 */
export function covarianceBlocked(rows: Float32Array | Float64Array, dims: number, count: number, mean: Float64Array): Float64Array {
  const chunkRows = Math.min(CHUNK_ROWS, count);
  const width = pad16(chunkRows);
  const store = new WasmRows('f32', width, dims);
  const chunk = new Float32Array(dims * width);
  const products = new Float32Array(QUERY_BLOCK * dims);
  const covariance = new Float64Array(dims * dims);
  for (let first = 0; first < count; first += chunkRows) {
    const n = Math.min(chunkRows, count - first);
    if (n < width) chunk.fill(0);
    transposeCentred(rows, dims, first, n, mean, chunk, width);
    store.view.set(chunk);
    // Block row i: dimensions i .. i + QUERY_BLOCK - 1 against dimensions i .. d - 1 (the upper half and the
    // block's own lower triangle, which the mirror below overwrites).
    for (let i = 0; i < dims; i += QUERY_BLOCK) {
      const block = Math.min(QUERY_BLOCK, dims - i);
      const span = dims - i;
      store.cross(i, block, i, span, products);
      for (let q = 0; q < block; q++) {
        const out = (i + q) * dims + i;
        const from = q * span;
        for (let r = q; r < span; r++) covariance[out + r] += products[from + r];
      }
    }
  }
  const inverse = 1 / (count - 1);
  for (let i = 0; i < dims; i++) {
    covariance[i * dims + i] *= inverse;
    for (let j = i + 1; j < dims; j++) {
      const value = covariance[i * dims + j] * inverse;
      covariance[i * dims + j] = value;
      covariance[j * dims + i] = value;
    }
  }
  return covariance;
}

/**
 * out[j * width + r] = rows[first + r][j] - mean[j] (float32) for r < n: the chunk's transpose, centred. Tiles of
 * 16 rows, so each write of a dimension's run fills one 64-byte line instead of touching a new line per value.
 */
function transposeCentred(
  rows: Float32Array | Float64Array,
  dims: number,
  first: number,
  n: number,
  mean: Float64Array,
  out: Float32Array,
  width: number,
): void {
  const TILE = 16;
  for (let r0 = 0; r0 < n; r0 += TILE) {
    const r1 = Math.min(n, r0 + TILE);
    for (let j = 0; j < dims; j++) {
      const m = mean[j];
      const at = j * width;
      for (let r = r0; r < r1; r++) out[at + r] = rows[(first + r) * dims + j] - m;
    }
  }
}

/**
 * C · Q for blocks Q of directions, C a symmetric d x d matrix held as float32 rows in WebAssembly memory: row b of
 * the product is C q_b (C symmetric, so q_b's dot products with C's rows). float32 products summed in float32 (~1e-7
 * relative), returned in float64.
 */
export class CovarianceProducts {
  readonly dims: number;
  private readonly width: number;
  /** C's rows, then room for a block of directions behind them (cross() multiplies rows of one store). */
  private readonly store: WasmRows;
  private products = new Float32Array(0);

  constructor(covariance: Float64Array, dims: number) {
    if (covariance.length < dims * dims) throw new RangeError(`CovarianceProducts: expected ${dims} x ${dims} values, found ${covariance.length}`);
    this.dims = dims;
    this.width = pad16(dims);
    this.store = new WasmRows('f32', this.width, dims);
    const view = this.store.view as Float32Array;
    for (let i = 0; i < dims; i++) for (let j = 0; j < dims; j++) view[i * this.width + j] = covariance[i * dims + j];
  }

  /** out[b * dims + j] = (C q_b)_j for the `block` rows q_b of `basis` (block x dims, row-major). */
  apply(basis: Float64Array, block: number, out: Float64Array): void {
    const { dims, width, store } = this;
    if (store.capacity < dims + block) store.resize(dims + block);
    if (this.products.length < block * dims) this.products = new Float32Array(block * dims);
    const view = store.view as Float32Array;
    for (let b = 0; b < block; b++) {
      const at = (dims + b) * width;
      for (let j = 0; j < dims; j++) view[at + j] = basis[b * dims + j];
    }
    store.cross(dims, block, 0, dims, this.products);
    const products = this.products;
    for (let i = 0; i < block * dims; i++) out[i] = products[i];
  }
}
