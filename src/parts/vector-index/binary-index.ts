import { OptionError, RunError } from '../../errors.ts';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { checkEntries, normalizedMean, dotRowFloat32, dotRowInt8, writeNormalized } from './kernels.ts';
import { RowDirectory } from './row-directory.ts';
import { selectTopK, toHits } from './top-k.ts';
import { WasmRows } from './wasm-rows.ts';

/** How the shortlist is re-scored: full-width int8 (1 byte per dimension + one float32 scale per vector) or float32. */
export type BinaryRescore = 'int8' | 'float32' | false;

export interface BinaryIndexOptions {
  /**
   * The Hamming scan keeps `oversample x k` candidates; each is re-scored with its stored full-width vector and the
   * best k returned. Larger keeps more true neighbours at the cost of more re-scoring. Default 4.
   */
  oversample?: number;
  /**
   * Storage of the re-scoring vectors: 'int8' (the normalized vector scaled by 127 / its largest coordinate, plus
   * that scale: d + 4 bytes), 'float32' (4d bytes, exact scores), or false (no re-scoring: the score is the cosine
   * the Hamming distance implies, cos(π h / d), and the shortlist is just the k nearest by Hamming). Default 'int8'.
   */
  rescore?: BinaryRescore;
  /** Vectors to allocate room for up front; doubles when full (empty rows are counted: they are held). Default 1024. */
  initialCapacity?: number;
  /**
   * Whether fit() sets each dimension's threshold to the sample mean (true) or leaves it at 0 (false: fit() is then
   * a no-op, the plain sign of each coordinate). Default true.
   */
  centre?: boolean;
}

const DEFAULTS = { oversample: 4, rescore: 'int8', initialCapacity: 1024, centre: true } as const;

/**
 * Binary quantization: one bit per dimension, the sign of the normalized vector's coordinate (less a per-dimension
 * threshold when fit() was given a sample: the sample mean, so that a large shared mean direction does not set
 * most bits the same way in every vector). A query is scanned by Hamming distance (WebAssembly i64.popcnt over
 * 64-bit words where the row is a multiple of 64 bits, else popcount over 32-bit words in JavaScript), the `oversample x k` nearest are re-scored with full-width vectors, and the best k returned with
 * those scores. Storage per vector: d / 8 bytes of bits (32x smaller than float32), plus the re-scoring vectors.
 *
 * fit() is optional (without it the thresholds are 0, as Qdrant's binary quantization does).
 */
export class BinaryIndex implements VectorIndex {
  /** A filtered search Hamming-scans and re-scores only the rows matching the filter (RowDirectory's lists). */
  readonly filtering = 'native';
  readonly options: { oversample: number; rescore: BinaryRescore; initialCapacity: number; centre: boolean };
  private dims: number | undefined;
  private words = 0;
  private thresholds: Float32Array | undefined;
  /** The bit codes, `words` 32-bit words per row, in WebAssembly memory (scanned by i64.popcnt; see WasmRows.hamming). */
  private codes: WasmRows | undefined;
  /** A view of the codes as words; re-derived after every resize. */
  private bits: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private full: Int8Array | Float32Array | undefined;
  private scales: Float32Array | undefined;
  private capacity = 0;
  private readonly directory = new RowDirectory();

  constructor(options: BinaryIndexOptions = {}) {
    const oversample = options.oversample ?? DEFAULTS.oversample;
    if (!Number.isInteger(oversample) || oversample < 1) throw new OptionError('oversample', 'an integer >= 1', oversample);
    const rescore = options.rescore ?? DEFAULTS.rescore;
    if (rescore !== 'int8' && rescore !== 'float32' && rescore !== false) throw new OptionError('rescore', "'int8', 'float32' or false", rescore);
    const initialCapacity = options.initialCapacity ?? DEFAULTS.initialCapacity;
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) throw new OptionError('initialCapacity', 'an integer >= 1', initialCapacity);
    const centre = options.centre ?? DEFAULTS.centre;
    if (typeof centre !== 'boolean') throw new OptionError('centre', 'true or false', centre);
    this.options = { oversample, rescore, initialCapacity, centre };
  }

  get dimensions(): number | undefined {
    return this.dims;
  }

  get size(): number {
    return this.directory.size;
  }

  /** Sets each dimension's threshold to the mean of the normalized sample (on an empty index only). */
  fit(sample: readonly ArrayLike<number>[]): { sampleRows: number } {
    if (!this.options.centre) return { sampleRows: 0 };
    if (this.directory.size > 0) throw new RunError('BinaryIndex.fit: the index already holds vectors; fit before adding');
    if (sample.length === 0) throw new RangeError('BinaryIndex.fit: expected a sample of at least 1 vector, found 0');
    const dims = sample[0].length;
    this.setWidth(dims, 'fit');
    this.thresholds = normalizedMean(sample, dims, 'BinaryIndex.fit');
    return { sampleRows: sample.length };
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    this.addMany([[id, vector, attributes]]);
  }

  /** Adds several vectors; every vector is checked before any is stored, so a bad one adds nothing. */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): void {
    const list = [...entries];
    if (list.length === 0) return;
    const dims = checkEntries(list, this.dims, 'BinaryIndex');
    this.setWidth(dims, 'add');
    const needed = this.directory.size + this.directory.countNew(list.map(([id]) => id));
    if (needed > this.capacity) this.resize(Math.max(needed, 2 * this.capacity, this.options.initialCapacity));
    const unit = new Float32Array(dims);
    for (const [id, vector, attributes] of list) {
      writeNormalized(vector, unit);
      this.store(this.directory.rowFor(id, attributes), unit);
    }
  }

  has(id: string): boolean {
    return this.directory.has(id);
  }

  remove(id: string): boolean {
    return this.directory.remove(id, (from, to) => {
      const w = this.words;
      this.bits.copyWithin(to * w, from * w, (from + 1) * w);
      if (this.full) this.full.copyWithin(to * this.dims!, from * this.dims!, (from + 1) * this.dims!);
      if (this.scales) this.scales[to] = this.scales[from];
    });
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    const n = this.directory.size;
    if (this.dims === undefined || n === 0) return [];
    const dims = this.dims;
    if (vector.length !== dims) throw new RangeError(`BinaryIndex.search: expected a query of ${dims} dimensions, found ${vector.length}`);
    // With a filter, only its rows are scanned and re-scored (scores are indexed by row).
    const matching = this.directory.rowsMatching(filter);
    if (matching?.length === 0) return [];
    const query = new Float32Array(dims);
    writeNormalized(vector, query);
    const queryBits = new Uint32Array(this.words);
    this.encodeBits(query, queryBits, 0);
    const scores = new Float64Array(n);
    if (matching) hammingScanRows(this.bits, this.words, matching, queryBits, scores);
    else if (!this.codes!.hamming(new Uint8Array(queryBits.buffer), n, scores)) hammingScan(this.bits, this.words, n, queryBits, scores);
    // Nearest by Hamming = highest -h; the scan wrote -h.
    const { rescore, oversample } = this.options;
    if (rescore === false) {
      const best = selectTopK(scores, n, this.directory.ids, k, matching);
      for (const row of best) scores[row] = Math.cos((Math.PI * -scores[row]) / dims);
      return toHits(best, scores, this.directory.ids);
    }
    const shortlist = Int32Array.from(selectTopK(scores, n, this.directory.ids, k * oversample, matching));
    const full = this.full!;
    for (const row of shortlist) {
      scores[row] = full instanceof Int8Array ? this.scales![row] * dotRowInt8(full, dims, row, query) : dotRowFloat32(full, dims, row, query);
    }
    return toHits(selectTopK(scores, n, this.directory.ids, k, shortlist), scores, this.directory.ids);
  }

  /**
   * Exact bytes held: bit codes (their whole WebAssembly memory: rounded up to 64 KiB pages, with the query and
   * distance scratch), re-scoring vectors and scales (empty rows included), thresholds. Ids not counted.
   */
  /** Bytes in WebAssembly memory (the bit codes), which V8's heap counters do not see. */
  externalBytes(): number {
    return this.codes?.byteLength() ?? 0;
  }

  describe(): PartDescription {
    const { oversample, rescore, centre } = this.options;
    return {
      kind: 'binary',
      setting: `sign bits${centre ? ' (mean thresholds)' : ''}, ${rescore} re-score x${oversample}`,
      settings: { precision: 'binary', rerank: `${rescore} x${oversample}`, exact: false, bytesSource: 'arrays held' },
    };
  }

  memoryBytes(): number {
    return (this.codes?.byteLength() ?? 0) + (this.full?.byteLength ?? 0) + (this.scales?.byteLength ?? 0) + (this.thresholds?.byteLength ?? 0);
  }

  /** Bytes stored per vector (the marginal cost of one more). */
  bytesPerVector(): number {
    const dims = this.dims ?? 0;
    const rescore = this.options.rescore;
    return Math.ceil(dims / 32) * 4 + (rescore === 'int8' ? dims + 4 : rescore === 'float32' ? 4 * dims : 0);
  }

  /** Releases the empty rows at the end of the store. */
  trim(): void {
    if (this.capacity > this.directory.size) this.resize(Math.max(1, this.directory.size));
  }

  private setWidth(dims: number, operation: string): void {
    if (this.dims !== undefined) {
      if (this.dims !== dims) throw new RangeError(`BinaryIndex.${operation}: expected ${this.dims} dimensions, found ${dims}`);
      return;
    }
    if (dims < 1) throw new RangeError(`BinaryIndex.${operation}: expected vectors of at least 1 dimension, found 0`);
    this.dims = dims;
    this.words = Math.ceil(dims / 32);
  }

  private resize(rows: number): void {
    const n = this.directory.size;
    const dims = this.dims!;
    if (!this.codes) this.codes = new WasmRows('i8', this.words * 4, rows);
    else this.codes.resize(rows);
    this.bits = new Uint32Array(this.codes.view.buffer, 0, rows * this.words);
    const { rescore } = this.options;
    if (rescore) {
      const full = rescore === 'int8' ? new Int8Array(rows * dims) : new Float32Array(rows * dims);
      if (this.full) full.set(this.full.subarray(0, n * dims) as never);
      this.full = full;
    }
    if (rescore === 'int8') {
      const scales = new Float32Array(rows);
      if (this.scales) scales.set(this.scales.subarray(0, n));
      this.scales = scales;
    }
    this.capacity = rows;
  }

  private encodeBits(unit: Float32Array, out: Uint32Array, offset: number): void {
    const thresholds = this.thresholds;
    for (let w = 0; w < this.words; w++) out[offset + w] = 0;
    for (let j = 0; j < unit.length; j++) {
      if (unit[j] > (thresholds ? thresholds[j] : 0)) out[offset + (j >>> 5)] |= 1 << (j & 31);
    }
  }

  private store(row: number, unit: Float32Array): void {
    const dims = this.dims!;
    this.encodeBits(unit, this.bits, row * this.words);
    const full = this.full;
    if (full instanceof Float32Array) full.set(unit, row * dims);
    else if (full) {
      let largest = 0;
      for (let j = 0; j < dims; j++) largest = Math.max(largest, Math.abs(unit[j]));
      const step = largest === 0 ? 0 : largest / 127;
      for (let j = 0; j < dims; j++) full[row * dims + j] = step === 0 ? 0 : Math.round(unit[j] / step);
      this.scales![row] = step;
    }
  }
}

/** Bits set in a 32-bit word. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** out[r] = -(Hamming distance between row r's `words` 32-bit words and the query's), for rows 0..count-1. */
export function hammingScan(bits: Uint32Array, words: number, count: number, query: Uint32Array, out: Float64Array): void {
  for (let r = 0; r < count; r++) {
    const base = r * words;
    let h = 0;
    for (let w = 0; w < words; w++) h += popcount32(bits[base + w] ^ query[w]);
    out[r] = -h;
  }
}

/** As hammingScan, for the given rows only (out is indexed by row; other entries are left as they are). */
export function hammingScanRows(bits: Uint32Array, words: number, rows: Int32Array, query: Uint32Array, out: Float64Array): void {
  for (const r of rows) {
    const base = r * words;
    let h = 0;
    for (let w = 0; w < words; w++) h += popcount32(bits[base + w] ^ query[w]);
    out[r] = -h;
  }
}
