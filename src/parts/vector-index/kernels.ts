/**
 * The hot loops of every index in this folder: dot products of one query against many contiguous rows, and the
 * vector helpers around them. Plain JavaScript over typed arrays; each function sees one array type only, so V8
 * keeps it monomorphic.
 *
 * Why four rows at a time, two coordinates per step (measured on this repo's 2-core machine, 1536-d float32 rows):
 * one row at a time runs at ~0.7 G multiply-adds/s (4.7 queries/s over 100,000 rows); four independent partial sums
 * per row ~1.0 G; four rows sharing each query load, two coordinates per step ~1.5 G (~10 queries/s over 100,000
 * rows). Loading the query as float32 is faster than as float64 (fewer bytes, and V8 converts on load either way).
 * Sums are accumulated in float64, so a float32 scan is exact up to the rounding of the stored values.
 */
import { norm } from '../../memory/reference.mjs';

/**
 * out[r] = rows[r] · query for r in [0, count); rows are `dims` apart, stored back to back from row 0. With `width`
 * < dims, only each row's first `width` coordinates are used (a prefix scan).
 */
export function dotRowsFloat32(
  rows: Float32Array,
  dims: number,
  count: number,
  query: Float32Array,
  out: Float64Array,
  width = dims,
): void {
  const even = width & ~1;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const a = r * dims;
    const b = a + dims;
    const c = b + dims;
    const e = c + dims;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let u0 = 0;
    let u1 = 0;
    let u2 = 0;
    let u3 = 0;
    let i = 0;
    for (; i < even; i += 2) {
      const qi = query[i];
      const qj = query[i + 1];
      s0 += rows[a + i] * qi;
      s1 += rows[b + i] * qi;
      s2 += rows[c + i] * qi;
      s3 += rows[e + i] * qi;
      u0 += rows[a + i + 1] * qj;
      u1 += rows[b + i + 1] * qj;
      u2 += rows[c + i + 1] * qj;
      u3 += rows[e + i + 1] * qj;
    }
    if (i < width) {
      const qi = query[i];
      s0 += rows[a + i] * qi;
      s1 += rows[b + i] * qi;
      s2 += rows[c + i] * qi;
      s3 += rows[e + i] * qi;
    }
    out[r] = s0 + u0;
    out[r + 1] = s1 + u1;
    out[r + 2] = s2 + u2;
    out[r + 3] = s3 + u3;
  }
  for (; r < count; r++) {
    const a = r * dims;
    let s = 0;
    for (let i = 0; i < width; i++) s += rows[a + i] * query[i];
    out[r] = s;
  }
}

/** As {@link dotRowsFloat32}, for int8 codes against a float32 weight vector (scale folded into the weights). */
export function dotRowsInt8(
  rows: Int8Array,
  dims: number,
  count: number,
  weights: Float32Array,
  out: Float64Array,
  width = dims,
): void {
  const even = width & ~1;
  let r = 0;
  for (; r + 4 <= count; r += 4) {
    const a = r * dims;
    const b = a + dims;
    const c = b + dims;
    const e = c + dims;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let u0 = 0;
    let u1 = 0;
    let u2 = 0;
    let u3 = 0;
    let i = 0;
    for (; i < even; i += 2) {
      const qi = weights[i];
      const qj = weights[i + 1];
      s0 += rows[a + i] * qi;
      s1 += rows[b + i] * qi;
      s2 += rows[c + i] * qi;
      s3 += rows[e + i] * qi;
      u0 += rows[a + i + 1] * qj;
      u1 += rows[b + i + 1] * qj;
      u2 += rows[c + i + 1] * qj;
      u3 += rows[e + i + 1] * qj;
    }
    if (i < width) {
      const qi = weights[i];
      s0 += rows[a + i] * qi;
      s1 += rows[b + i] * qi;
      s2 += rows[c + i] * qi;
      s3 += rows[e + i] * qi;
    }
    out[r] = s0 + u0;
    out[r + 1] = s1 + u1;
    out[r + 2] = s2 + u2;
    out[r + 3] = s3 + u3;
  }
  for (; r < count; r++) {
    const a = r * dims;
    let s = 0;
    for (let i = 0; i < width; i++) s += rows[a + i] * weights[i];
    out[r] = s;
  }
}

/**
 * rows[row] · query for one stored row (used to re-score a shortlist); with `from`, only coordinates [from, dims)
 * (the rest of a row whose prefix was already scanned).
 */
export function dotRowFloat32(rows: Float32Array, dims: number, row: number, query: Float32Array, from = 0): number {
  const a = row * dims;
  let s0 = 0;
  let s1 = 0;
  let i = from;
  for (; i + 2 <= dims; i += 2) {
    s0 += rows[a + i] * query[i];
    s1 += rows[a + i + 1] * query[i + 1];
  }
  if (i < dims) s0 += rows[a + i] * query[i];
  return s0 + s1;
}

/** As {@link dotRowFloat32}, for one row of int8 codes. */
export function dotRowInt8(rows: Int8Array, dims: number, row: number, weights: Float32Array, from = 0): number {
  const a = row * dims;
  let s0 = 0;
  let s1 = 0;
  let i = from;
  for (; i + 2 <= dims; i += 2) {
    s0 += rows[a + i] * weights[i];
    s1 += rows[a + i + 1] * weights[i + 1];
  }
  if (i < dims) s0 += rows[a + i] * weights[i];
  return s0 + s1;
}

/** Euclidean norm, accumulated in float64: the reference norm (memory/reference.mjs). */
export { norm };

/**
 * Writes `vector / |vector|` into `out` at `offset` (float64 arithmetic, rounded once on store). A zero vector is
 * written as zeros: its cosine with anything is 0, as NaiveIndex scores it.
 */
export function writeNormalized(vector: ArrayLike<number>, out: Float32Array | Float64Array, offset = 0): void {
  const n = norm(vector);
  const inverse = n === 0 ? 0 : 1 / n;
  for (let i = 0; i < vector.length; i++) out[offset + i] = vector[i] * inverse;
}

/** Throws unless every coordinate is a finite number (NaN would silently poison every score it touches). */
export function assertFinite(vector: ArrayLike<number>, where: string): void {
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) {
      throw new RangeError(`${where}: expected finite numbers, found ${vector[i]} at coordinate ${i}`);
    }
  }
}

/**
 * Checks a batch of entries before any is stored (so a bad one adds nothing): every vector has the index's width
 * (`dims`, or the first entry's when the index has none yet) and finite values. `index` names the index in errors
 * ("BinaryIndex.add('id'): ..."). Returns the width. The entries must not be empty.
 */
export function checkEntries(entries: ReadonlyArray<readonly [string, ArrayLike<number>, ...unknown[]]>, dims: number | undefined, index: string): number {
  const width = dims ?? entries[0][1].length;
  for (const [id, vector] of entries) {
    if (vector.length !== width) throw new RangeError(`${index}.add('${id}'): expected a vector of ${width} dimensions, found ${vector.length}`);
    assertFinite(vector, `${index}.add('${id}')`);
  }
  return width;
}

/**
 * The mean of the normalized sample vectors (float64 sums), each checked for width and finiteness first; `where`
 * names the caller in errors (e.g. "BinaryIndex.fit"). Binary codes use it as per-dimension sign thresholds.
 */
export function normalizedMean(sample: readonly ArrayLike<number>[], dims: number, where: string): Float32Array {
  const mean = new Float64Array(dims);
  const unit = new Float64Array(dims);
  sample.forEach((vector, i) => {
    if (vector.length !== dims) throw new RangeError(`${where}: sample[${i}]: expected ${dims} dimensions, found ${vector.length}`);
    assertFinite(vector, `${where}: sample[${i}]`);
    writeNormalized(vector, unit);
    for (let j = 0; j < dims; j++) mean[j] += unit[j];
  });
  return Float32Array.from(mean, (s) => s / sample.length);
}
