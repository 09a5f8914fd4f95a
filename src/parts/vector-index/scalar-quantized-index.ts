import { OptionError, RunError } from '../../errors.ts';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { assertFinite, writeNormalized } from './kernels.ts';
import { ScalarQuantizer } from './quantize.ts';
import { RowDirectory } from './row-directory.ts';
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
  /** A filtered search scans only the rows matching the filter (RowDirectory's inverted lists). */
  readonly filtering = 'native';
  private quantizer: ScalarQuantizer | undefined;
  private rows: WasmRows | undefined;
  private readonly capacity: number;
  private readonly fitSampleSize: number;
  private readonly simd: boolean;
  private readonly directory = new RowDirectory();

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
    return this.directory.size;
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

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    const quantizer = this.requireFitted('add');
    this.checkWidth(vector, `ScalarQuantizedIndex.add('${id}')`, 'a vector');
    assertFinite(vector, `ScalarQuantizedIndex.add('${id}')`);
    if (!this.directory.has(id)) this.reserve(this.directory.size + 1, true);
    this.store(quantizer, this.directory.rowFor(id, attributes), vector, new Float64Array(quantizer.dims));
  }

  /** Adds several vectors, growing the store once to exactly the room they need. */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): void {
    const quantizer = this.requireFitted('addMany');
    const list = [...entries];
    // Every vector checked before any is stored, so a bad one adds nothing.
    for (const [id, vector] of list) {
      this.checkWidth(vector, `ScalarQuantizedIndex.addMany('${id}')`, 'a vector');
      assertFinite(vector, `ScalarQuantizedIndex.addMany('${id}')`);
    }
    this.reserve(this.directory.size + this.directory.countNew(list.map(([id]) => id)));
    // Checked above and room made: store directly, with one scratch vector for the batch.
    const unit = new Float64Array(quantizer.dims);
    for (const [id, vector, attributes] of list) this.store(quantizer, this.directory.rowFor(id, attributes), vector, unit);
  }

  /** Normalizes `vector` into `unit` and writes its codes into `row`. */
  private store(quantizer: ScalarQuantizer, row: number, vector: ArrayLike<number>, unit: Float64Array): void {
    writeNormalized(vector, unit);
    quantizer.encode(unit, 0, this.rows!.view as Int8Array, row * quantizer.dims);
  }

  has(id: string): boolean {
    return this.directory.has(id);
  }

  remove(id: string): boolean {
    const d = this.quantizer?.dims ?? 0;
    return this.directory.remove(id, (from, to) => this.rows!.view.copyWithin(to * d, from * d, (from + 1) * d));
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    const quantizer = this.requireFitted('search');
    this.checkWidth(vector, 'ScalarQuantizedIndex.search', 'a query');
    const n = this.directory.size;
    const ids = this.directory.ids;
    const matching = this.directory.rowsMatching(filter);
    if (matching?.length === 0) return [];
    // Per-query scratch is allocated here, not held: memoryBytes() is then all the index keeps.
    const query = new Float64Array(quantizer.dims);
    writeNormalized(vector, query);
    const weights = new Float32Array(quantizer.dims);
    const constant = quantizer.queryWeights(query, weights);
    const scores = new Float64Array(n);
    if (matching) this.rows!.scanRows(weights, matching, scores);
    else this.rows!.scan(weights, n, scores);
    // The constant is the same for every row: added only to the rows returned.
    const best = selectTopK(scores, n, ids, k, matching);
    for (const row of best) scores[row] += constant;
    return toHits(best, scores, ids);
  }

  /** Codes (their whole WebAssembly memory: empty rows and scan scratch included) and the quantizer's ranges. */
  memoryBytes(): number {
    return (this.rows?.byteLength() ?? 0) + (this.quantizer?.memoryBytes() ?? 0);
  }

  /** The part of memoryBytes() in WebAssembly memory, which process.memoryUsage() does not count. */
  wasmMemoryBytes(): number {
    return this.rows?.byteLength() ?? 0;
  }

  /** The contract's name for wasmMemoryBytes(): memory outside the JS heap. */
  externalBytes(): number {
    return this.wasmMemoryBytes();
  }

  describe(): PartDescription {
    return { kind: 'sq8', setting: 'int8 per dimension', settings: { precision: 'int8', exact: false, bytesSource: 'arrays held' } };
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
    this.rows?.reserve(count, grow, this.capacity);
  }

  /** Releases the empty rows at the end of the store. */
  trim(): void {
    this.rows?.trim(this.directory.size);
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
