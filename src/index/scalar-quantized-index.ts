import { OptionError, RunError } from '../errors.ts';
import type { SearchHit, VectorIndex } from '../memory/types.ts';
import { assertFinite, writeNormalized } from './kernels.ts';
import { ScalarQuantizer } from './quantize.ts';
import { selectTopK, toHits } from './top-k.ts';
import { WasmRows } from './wasm-rows.ts';

export interface ScalarQuantizedIndexOptions {
  /** Vectors to allocate room for up front. Default 1024; the store doubles when full (`trim()` releases the rest). */
  initialCapacity?: number;
  /** Most sample vectors `fit` measures the ranges on (evenly spaced). Default 5000. */
  fitSampleSize?: number;
  /** Scan with the WebAssembly SIMD kernel where the width allows (a multiple of 64). Default true. */
  simd?: boolean;
}

/**
 * The plain alternative to PCA: every dimension of the normalized vector quantized to int8 on its own
 * (`ScalarQuantizer`: per-dimension range from a sample, 255 steps), one byte per input dimension, and an exact scan
 * of the codes (q · x ≈ Σ q_j offset_j + Σ (q_j scale_j) c_j, one int8 SIMD scan per query). No projection, no
 * re-rank, so nothing is dropped but rounding: the baseline a compressed index has to beat to be worth its model.
 *
 * Like CompressedIndex, `fit(sample)` comes first (it measures the ranges; values later outside them are clamped).
 * Rows are dense: removing one moves the last row into its place.
 */
export class ScalarQuantizedIndex implements VectorIndex {
  private quantizer: ScalarQuantizer | undefined;
  private rows: WasmRows | undefined;
  private readonly capacity: number;
  private readonly fitSampleSize: number;
  private readonly simd: boolean;
  private readonly ids: string[] = [];
  private readonly rowOf = new Map<string, number>();

  constructor(options: ScalarQuantizedIndexOptions = {}) {
    const capacity = options.initialCapacity ?? 1024;
    if (!Number.isInteger(capacity) || capacity < 1) throw new OptionError('initialCapacity', 'an integer >= 1', capacity);
    const fitSampleSize = options.fitSampleSize ?? 5000;
    if (!Number.isInteger(fitSampleSize) || fitSampleSize < 1) throw new OptionError('fitSampleSize', 'an integer >= 1', fitSampleSize);
    this.capacity = capacity;
    this.fitSampleSize = fitSampleSize;
    this.simd = options.simd ?? true;
  }

  get dimensions(): number | undefined {
    return this.quantizer?.dims;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Measures each dimension's range over (at most `fitSampleSize` of) the normalized sample vectors. */
  fit(sample: readonly ArrayLike<number>[]): { sampleRows: number } {
    if (this.quantizer) throw new RunError('ScalarQuantizedIndex.fit: already fitted; build a new index to refit');
    if (sample.length === 0) throw new RangeError('ScalarQuantizedIndex.fit: expected a sample of at least 1 vector, found 0');
    const dims = sample[0].length;
    if (dims === 0) throw new RangeError('ScalarQuantizedIndex.fit: expected vectors of at least 1 dimension, found 0');
    const count = Math.min(sample.length, this.fitSampleSize);
    const unit = new Float64Array(count * dims);
    for (let r = 0; r < count; r++) {
      const index = Math.floor((r * sample.length) / count);
      const vector = sample[index];
      if (vector.length !== dims) {
        throw new RangeError(`ScalarQuantizedIndex.fit: sample[${index}]: expected a vector of ${dims} dimensions, found ${vector.length}`);
      }
      assertFinite(vector, `ScalarQuantizedIndex.fit: sample[${index}]`);
      writeNormalized(vector, unit, r * dims);
    }
    this.quantizer = ScalarQuantizer.fit(unit, dims, count);
    this.rows = new WasmRows('i8', dims, this.capacity, { simd: this.simd });
    return { sampleRows: count };
  }

  add(id: string, vector: ArrayLike<number>): void {
    const quantizer = this.requireFitted('add');
    this.checkWidth(vector, `ScalarQuantizedIndex.add('${id}')`, 'a vector');
    assertFinite(vector, `ScalarQuantizedIndex.add('${id}')`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      this.reserve(this.ids.length + 1, true);
      row = this.ids.length;
      this.ids.push(id);
      this.rowOf.set(id, row);
    }
    const unit = new Float64Array(quantizer.dims);
    writeNormalized(vector, unit);
    quantizer.encode(unit, 0, this.rows!.view as Int8Array, row * quantizer.dims);
  }

  /** Adds several vectors, growing the store once to exactly the room they need. */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>]>): void {
    this.requireFitted('addMany');
    const list = [...entries];
    let fresh = 0;
    const seen = new Set<string>();
    for (const [id] of list) if (!this.rowOf.has(id) && !seen.has(id)) (seen.add(id), fresh++);
    this.reserve(this.ids.length + fresh);
    for (const [id, vector] of list) this.add(id, vector);
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    const d = this.quantizer!.dims;
    if (row !== last) {
      this.rows!.view.copyWithin(row * d, last * d, (last + 1) * d);
      const moved = this.ids[last];
      this.ids[row] = moved;
      this.rowOf.set(moved, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    return true;
  }

  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    const quantizer = this.requireFitted('search');
    this.checkWidth(vector, 'ScalarQuantizedIndex.search', 'a query');
    const n = this.ids.length;
    // Per-query scratch is allocated here, not held: memoryBytes() is then all the index keeps.
    const query = new Float64Array(quantizer.dims);
    writeNormalized(vector, query);
    const weights = new Float32Array(quantizer.dims);
    const constant = quantizer.queryWeights(query, weights);
    const scores = new Float64Array(n);
    this.rows!.scan(weights, n, scores);
    // The constant is the same for every row: added only to the rows returned.
    const best = selectTopK(scores, n, this.ids, k);
    for (const row of best) scores[row] += constant;
    return toHits(best, scores, this.ids);
  }

  /** Codes (their whole WebAssembly memory: empty rows and scan scratch included) and the quantizer's ranges. */
  memoryBytes(): number {
    return (this.rows?.byteLength() ?? 0) + (this.quantizer?.memoryBytes() ?? 0);
  }

  /** The part of memoryBytes() in WebAssembly memory, which process.memoryUsage() does not count. */
  wasmMemoryBytes(): number {
    return this.rows?.byteLength() ?? 0;
  }

  /** Bytes stored per vector, ranges excluded: one per input dimension. */
  bytesPerVector(): number {
    return this.quantizer?.dims ?? 0;
  }

  /** Whether searches run the WebAssembly SIMD kernel. */
  get usesSimd(): boolean {
    return this.rows?.simd ?? false;
  }

  /** Makes room for at least `count` vectors (exactly `count`, or doubling with `grow`). */
  reserve(count: number, grow = false): void {
    if (!this.rows || count <= this.rows.capacity) return;
    this.rows.resize(grow ? Math.max(count, this.capacity, 2 * this.rows.capacity) : count);
  }

  /** Releases the empty rows at the end of the store. */
  trim(): void {
    if (this.rows && this.rows.capacity > this.ids.length) this.rows.resize(this.ids.length);
  }

  private checkWidth(vector: ArrayLike<number>, where: string, what: string): void {
    const dims = this.quantizer!.dims;
    if (vector.length !== dims) throw new RangeError(`${where}: expected ${what} of ${dims} dimensions, found ${vector.length}`);
  }

  private requireFitted(operation: string): ScalarQuantizer {
    if (!this.quantizer) {
      throw new RunError(`ScalarQuantizedIndex.${operation}: the index is not fitted; call fit(sample) before ${operation}`);
    }
    return this.quantizer;
  }
}
