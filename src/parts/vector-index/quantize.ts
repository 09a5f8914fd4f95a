/**
 * Per-dimension scalar quantization to int8: dimension j's range [min_j, max_j], measured on a sample, is cut into
 * 255 equal steps; a value is stored as the code c in [-127, 127] of its nearest step and read back as
 * `offset_j + scale_j * c`. Values outside the sampled range are clamped to it (vectors added later may stray a
 * little; the error is bounded by how far they stray).
 *
 * A dot product with a quantized vector needs no decoding: q · x ≈ Σ q_j offset_j + Σ (q_j scale_j) c_j, i.e. one
 * constant per query plus an int8 scan against the weights q_j scale_j (see `queryWeights`).
 */
export class ScalarQuantizer {
  /** Width of the vectors quantized. */
  readonly dims: number;
  /** Value of code 0 per dimension (the middle of its range). */
  readonly offset: Float32Array;
  /** Step per dimension; 0 for a dimension that never varied in the sample. */
  readonly scale: Float32Array;

  constructor(offset: Float32Array, scale: Float32Array) {
    if (offset.length !== scale.length) {
      throw new RangeError(`ScalarQuantizer: offset has ${offset.length} dimensions, scale has ${scale.length}`);
    }
    this.dims = offset.length;
    this.offset = offset;
    this.scale = scale;
  }

  /** Measures each dimension's range over `count` rows of `rows` (row-major, `dims` wide). */
  static fit(rows: Float32Array | Float64Array, dims: number, count: number): ScalarQuantizer {
    if (count < 1) throw new RangeError('ScalarQuantizer.fit: expected at least 1 row, found 0');
    const min = new Float64Array(dims).fill(Infinity);
    const max = new Float64Array(dims).fill(-Infinity);
    for (let r = 0; r < count; r++) {
      const base = r * dims;
      for (let j = 0; j < dims; j++) {
        const v = rows[base + j];
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
    const offset = new Float32Array(dims);
    const scale = new Float32Array(dims);
    for (let j = 0; j < dims; j++) {
      offset[j] = (min[j] + max[j]) / 2;
      scale[j] = (max[j] - min[j]) / 254;
    }
    return new ScalarQuantizer(offset, scale);
  }

  /** Bytes this quantizer holds (its offsets and scales). */
  memoryBytes(): number {
    return this.offset.byteLength + this.scale.byteLength;
  }

  /** Writes the codes of `vector` (length `dims`, read from `from`) into `out` at `at`. */
  encode(vector: ArrayLike<number>, from: number, out: Int8Array, at: number): void {
    const { offset, scale, dims } = this;
    for (let j = 0; j < dims; j++) {
      const s = scale[j];
      if (s === 0) {
        out[at + j] = 0;
        continue;
      }
      const c = Math.round((vector[from + j] - offset[j]) / s);
      out[at + j] = c > 127 ? 127 : c < -127 ? -127 : c;
    }
  }

  /** The value a code stands for, for dimension j. */
  decode(code: number, j: number): number {
    return this.offset[j] + this.scale[j] * code;
  }

  /**
   * For a query q: weights w_j = q_j scale_j (into `weights`) and the constant Σ q_j offset_j (returned), so that
   * q · decode(codes) = constant + Σ w_j codes_j.
   */
  queryWeights(query: ArrayLike<number>, weights: Float32Array): number {
    let constant = 0;
    for (let j = 0; j < this.dims; j++) {
      weights[j] = query[j] * this.scale[j];
      constant += query[j] * this.offset[j];
    }
    return constant;
  }
}
