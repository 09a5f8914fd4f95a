/**
 * The few dense float64 kernels PCA needs, on row-major typed arrays. ml-matrix stores a matrix as an array of
 * `Float64Array` rows and multiplies through `get(i, j)` calls, which is correct but slow at 1536 x 1536; these
 * loops are blocked 4 x 2 (four rows of A against two rows of B, eight sums in registers): measured ~2.1 G
 * multiply-adds/s on this machine, about twice a one-row-at-a-time loop.
 */

/**
 * out[i * bCount + j] = A_i · B_j for A (aCount rows) and B (bCount rows), both `len` wide. With `upper`, A and B
 * must be the same matrix and only j >= i (rounded to the 4 x 2 block) is computed, then mirrored: a Gram matrix.
 */
export function crossDots(
  a: Float64Array,
  aCount: number,
  b: Float64Array,
  bCount: number,
  len: number,
  out: Float64Array,
  upper = false,
): void {
  let i = 0;
  for (; i + 4 <= aCount; i += 4) {
    const a0 = i * len;
    const a1 = a0 + len;
    const a2 = a1 + len;
    const a3 = a2 + len;
    let j = upper ? i : 0;
    for (; j + 2 <= bCount; j += 2) {
      const b0 = j * len;
      const b1 = b0 + len;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let r = 0; r < len; r++) {
        const x = b[b0 + r];
        const y = b[b1 + r];
        const p = a[a0 + r];
        const q = a[a1 + r];
        const u = a[a2 + r];
        const v = a[a3 + r];
        s0 += p * x;
        s1 += q * x;
        s2 += u * x;
        s3 += v * x;
        t0 += p * y;
        t1 += q * y;
        t2 += u * y;
        t3 += v * y;
      }
      out[i * bCount + j] = s0;
      out[(i + 1) * bCount + j] = s1;
      out[(i + 2) * bCount + j] = s2;
      out[(i + 3) * bCount + j] = s3;
      out[i * bCount + j + 1] = t0;
      out[(i + 1) * bCount + j + 1] = t1;
      out[(i + 2) * bCount + j + 1] = t2;
      out[(i + 3) * bCount + j + 1] = t3;
    }
    for (; j < bCount; j++) for (let di = 0; di < 4; di++) out[(i + di) * bCount + j] = dot(a, (i + di) * len, b, j * len, len);
  }
  for (; i < aCount; i++) {
    for (let j = upper ? i : 0; j < bCount; j++) out[i * bCount + j] = dot(a, i * len, b, j * len, len);
  }
  if (upper) {
    for (let r = 1; r < aCount; r++) for (let c = 0; c < r; c++) out[r * bCount + c] = out[c * bCount + r];
  }
}

/** a[ao..ao+len) · b[bo..bo+len). */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let r = 0;
  for (; r + 2 <= len; r += 2) {
    s0 += a[ao + r] * b[bo + r];
    s1 += a[ao + r + 1] * b[bo + r + 1];
  }
  if (r < len) s0 += a[ao + r] * b[bo + r];
  return s0 + s1;
}

/**
 * Orthonormalizes the `count` rows of `rows` (each `len` wide) in place: modified Gram-Schmidt, run twice
 * ("twice is enough", Giraud et al. 2005) so the result stays orthonormal to rounding even when rows are nearly
 * dependent, as the iterates of a subspace iteration become. A row that falls to (nearly) zero is replaced by a
 * unit vector orthogonal to the previous ones, so the block keeps its rank. Returns how many rows were replaced.
 */
export function orthonormalizeRows(rows: Float64Array, count: number, len: number, fallback: () => number): number {
  let replaced = 0;
  for (let k = 0; k < count; k++) {
    const base = k * len;
    const before = Math.sqrt(dot(rows, base, rows, base, len));
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        const r = dot(rows, base, rows, j * len, len);
        const other = j * len;
        for (let i = 0; i < len; i++) rows[base + i] -= r * rows[other + i];
      }
    }
    let n = Math.sqrt(dot(rows, base, rows, base, len));
    if (!(n > 1e-10 * before) || n === 0) {
      // Linearly dependent on the rows before it: restart from a random direction and orthogonalize that.
      replaced++;
      for (let i = 0; i < len; i++) rows[base + i] = fallback();
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < k; j++) {
          const r = dot(rows, base, rows, j * len, len);
          for (let i = 0; i < len; i++) rows[base + i] -= r * rows[j * len + i];
        }
      }
      n = Math.sqrt(dot(rows, base, rows, base, len));
    }
    const inverse = 1 / n;
    for (let i = 0; i < len; i++) rows[base + i] *= inverse;
  }
  return replaced;
}

/**
 * Orthonormalizes the `count` rows of `rows` in place by CholeskyQR2 (Fukaya et al. 2014): G = Y Yᵀ (blocked Gram
 * kernel), G = Rᵀ R, Y <- R⁻ᵀ Y, done twice so the result is orthonormal to rounding. About twice as fast as
 * Gram-Schmidt here, because the Gram matrix runs in the blocked kernel. Returns false, leaving `rows` partly
 * transformed but still spanning the same space, when a block is too ill-conditioned for Cholesky (a pivot not
 * above 1e-12 of the largest diagonal); the caller then falls back to `orthonormalizeRows`. With `passes` = 1
 * (CholeskyQR), the rows span the same space and are orthonormal only to about cond(Y)² x rounding: enough between
 * power iterations, whose next product is normalized again.
 */
export function orthonormalizeRowsCholesky(rows: Float64Array, count: number, len: number, passes = 2): boolean {
  const gram = new Float64Array(count * count);
  for (let pass = 0; pass < passes; pass++) {
    crossDots(rows, count, rows, count, len, gram, true);
    let largest = 0;
    for (let i = 0; i < count; i++) largest = Math.max(largest, gram[i * count + i]);
    // In-place Cholesky: upper triangle of `gram` becomes R (G = Rᵀ R).
    for (let i = 0; i < count; i++) {
      let pivot = gram[i * count + i];
      for (let p = 0; p < i; p++) {
        const r = gram[p * count + i];
        pivot -= r * r;
      }
      if (!(pivot > 1e-12 * largest)) return false;
      const rii = Math.sqrt(pivot);
      gram[i * count + i] = rii;
      for (let j = i + 1; j < count; j++) {
        let s = gram[i * count + j];
        for (let p = 0; p < i; p++) s -= gram[p * count + i] * gram[p * count + j];
        gram[i * count + j] = s / rii;
      }
    }
    // Solve Rᵀ Q = Y row by row: q_i = (y_i - Σ_{j<i} R[j][i] q_j) / R[i][i].
    // Four finished rows at a time: one load and store of row i per four multiply-adds.
    for (let i = 0; i < count; i++) {
      const base = i * len;
      let j = 0;
      for (; j + 4 <= i; j += 4) {
        const r0 = gram[j * count + i];
        const r1 = gram[(j + 1) * count + i];
        const r2 = gram[(j + 2) * count + i];
        const r3 = gram[(j + 3) * count + i];
        const o0 = j * len;
        const o1 = o0 + len;
        const o2 = o1 + len;
        const o3 = o2 + len;
        for (let t = 0; t < len; t++) {
          rows[base + t] -= r0 * rows[o0 + t] + r1 * rows[o1 + t] + r2 * rows[o2 + t] + r3 * rows[o3 + t];
        }
      }
      for (; j < i; j++) {
        const r = gram[j * count + i];
        const other = j * len;
        for (let t = 0; t < len; t++) rows[base + t] -= r * rows[other + t];
      }
      const inverse = 1 / gram[i * count + i];
      for (let t = 0; t < len; t++) rows[base + t] *= inverse;
    }
  }
  return true;
}
