import { OptionError } from '../../errors.ts';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { assertFinite, writeNormalized } from './kernels.ts';
import { RowDirectory } from './row-directory.ts';
import { selectTopK, toHits } from './top-k.ts';
import { WasmRows } from './wasm-rows.ts';

export interface FlatIndexOptions {
  /**
   * Vectors to allocate room for up front. Default 1024. When full, the store doubles (so up to half of it can be
   * empty, and `memoryBytes()` counts all of it: it is held). `reserve()` and `trim()` adjust it exactly.
   */
  initialCapacity?: number;
  /**
   * Scan with the WebAssembly SIMD kernel when the runtime has it and the row is a multiple of 64 bytes (width a
   * multiple of 16), else with the JavaScript kernel over the same rows. Default true. Scores then differ from
   * float64 sums by ~1e-7 relative (float32 accumulation; see wasm-rows.ts).
   */
  simd?: boolean;
}

/**
 * Exact cosine search over one contiguous `Float32Array` (in WebAssembly memory, scanned by a SIMD kernel where
 * available): the same answers as NaiveIndex (up to float32 rounding of the stored values and sums), with none of
 * its per-vector objects. It shows how much of a compressed index's saving comes from typed, contiguous storage
 * alone.
 *
 * Vectors are stored normalized (cosine becomes a dot product, and no norm is kept per vector); row r holds the
 * vector of `ids[r]`. Removing a vector moves the last row into its place, so the store stays dense.
 *
 * A filtered search scores only the matching rows, with the kernel a full scan uses, so it returns exactly the
 * full ranking's matching entries.
 */
export class FlatIndex implements VectorIndex {
  /** A filtered search scans only the rows matching the filter (RowDirectory's inverted lists). */
  readonly filtering = 'native';
  private dims: number | undefined;
  private rows: WasmRows | undefined;
  private readonly capacity: number;
  private readonly simd: boolean;
  private readonly directory = new RowDirectory();

  constructor(options: FlatIndexOptions = {}) {
    const capacity = options.initialCapacity ?? 1024;
    if (!Number.isInteger(capacity) || capacity < 1) throw new OptionError('initialCapacity', 'an integer >= 1', capacity);
    this.capacity = capacity;
    this.simd = options.simd ?? true;
  }

  get dimensions(): number | undefined {
    return this.dims;
  }

  get size(): number {
    return this.directory.size;
  }

  /**
   * How far this index's scores can be from the reference cosine (memory/reference.mjs, float64) of the vectors given
   * to add() and search(): the `scoreMargin` targeted cache invalidation needs, since it re-scores a new memory with
   * the reference cosine (measured: 1.2e-8 at 26 dimensions, enough to keep a changed result under 1e-9). Rows and
   * query are rounded to float32 unit vectors and summed in float32: the bound of pgvectorScoreMargin for `vector`,
   * 4u + (2d + 4)u with u = 2^-24 (a worst case from the arithmetic; a margin only costs extra invalidations).
   */
  get scoreTolerance(): number {
    const u = 2 ** -24;
    return 4 * u + (2 * (this.dims ?? 0) + 4) * u;
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    this.checkWidth(vector, `FlatIndex.add('${id}')`, 'a vector');
    assertFinite(vector, `FlatIndex.add('${id}')`);
    if (!this.directory.has(id)) this.reserve(this.directory.size + 1, true);
    const row = this.directory.rowFor(id, attributes);
    writeNormalized(vector, this.rows!.view as Float32Array, row * this.dims!);
  }

  /** Adds several vectors, growing the store once to exactly the room they need. */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): void {
    const list = Array.isArray(entries) ? (entries as ReadonlyArray<readonly [string, ArrayLike<number>, EntryAttributes?]>) : [...entries];
    if (list.length > 0) {
      this.checkWidth(list[0][1], `FlatIndex.addMany('${list[0][0]}')`, 'a vector');
      this.reserve(this.directory.size + this.directory.countNew(list.map(([id]) => id)));
    }
    for (const [id, vector, attributes] of list) this.add(id, vector, attributes);
  }

  /** The stored (normalized) vector, a copy; undefined if absent. */
  get(id: string): Float32Array | undefined {
    const row = this.directory.rowOf(id);
    if (row === undefined) return undefined;
    return this.rows!.view.slice(row * this.dims!, (row + 1) * this.dims!) as Float32Array;
  }

  has(id: string): boolean {
    return this.directory.has(id);
  }

  remove(id: string): boolean {
    const d = this.dims ?? 0;
    return this.directory.remove(id, (from, to) => this.rows!.view.copyWithin(to * d, from * d, (from + 1) * d));
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    if (this.dims === undefined) return [];
    this.checkWidth(vector, 'FlatIndex.search', 'a query');
    const n = this.directory.size;
    const ids = this.directory.ids;
    const matching = this.directory.rowsMatching(filter);
    if (matching?.length === 0) return [];
    // Per-query scratch is allocated here, not held: memoryBytes() is then all the index keeps. (Scores are indexed
    // by row; a filtered search writes only its matching rows' entries.)
    const query = new Float32Array(this.dims);
    const scores = new Float64Array(n);
    writeNormalized(vector, query);
    if (matching) this.rows!.scanRows(query, matching, scores);
    else this.rows!.scan(query, n, scores);
    return toHits(selectTopK(scores, n, ids, k, matching), scores, ids);
  }

  /**
   * Several queries in one pass over the rows (WasmRows.scanMany: three queries per pass over cache-sized chunks of
   * rows); each answer equals `search(query, k)`, scores bit for bit. Without SIMD, the queries are searched one by one.
   */
  searchBatch(queries: readonly ArrayLike<number>[], k: number): SearchHit[][] {
    if (this.dims === undefined) return queries.map(() => []);
    if (!this.rows!.simd) return queries.map((q) => this.search(q, k));
    const dims = this.dims;
    const n = this.directory.size;
    const ids = this.directory.ids;
    const flat = new Float32Array(queries.length * dims);
    queries.forEach((vector, q) => {
      this.checkWidth(vector, `FlatIndex.searchBatch (query ${q})`, 'a query');
      writeNormalized(vector, flat, q * dims);
    });
    const all = new Float32Array(queries.length * n);
    this.rows!.scanMany(flat, queries.length, n, all);
    const scores = new Float64Array(n);
    return queries.map((_, q) => {
      for (let r = 0; r < n; r++) scores[r] = all[q * n + r];
      return toHits(selectTopK(scores, n, ids, k), scores, ids);
    });
  }

  /**
   * Bytes of the vector store: its whole WebAssembly memory (empty rows, the query and score scratch, rounding to
   * 64 KiB pages). Ids are not counted, as NaiveIndex does not count them: every index keeps the same ids.
   */
  memoryBytes(): number {
    return this.rows?.byteLength() ?? 0;
  }

  /**
   * Bytes held in WebAssembly memory: here all of memoryBytes(). V8 counts WebAssembly memory in neither
   * `heapUsed` nor `arrayBuffers` of process.memoryUsage(), so a heap measurement must add this.
   */
  wasmMemoryBytes(): number {
    return this.memoryBytes();
  }

  /** The contract's name for wasmMemoryBytes(): memory outside the JS heap. */
  externalBytes(): number {
    return this.wasmMemoryBytes();
  }

  describe(): PartDescription {
    return { kind: 'flat', setting: 'float32 exact scan', settings: { precision: 'float32', exact: true, bytesSource: 'arrays held' } };
  }

  /** Whether searches run the WebAssembly SIMD kernel. */
  get usesSimd(): boolean {
    return this.rows?.simd ?? false;
  }

  /** Makes room for at least `count` vectors (the store grows to exactly `count`, or doubles with `grow`). */
  reserve(count: number, grow = false): void {
    this.rows?.reserve(count, grow, this.capacity);
  }

  /** Releases the empty rows at the end of the store. */
  trim(): void {
    this.rows?.trim(this.directory.size);
  }

  private checkWidth(vector: ArrayLike<number>, where: string, what: string): void {
    if (this.dims === undefined) {
      if (vector.length === 0) throw new RangeError(`${where}: expected ${what} of at least 1 dimension, found 0`);
      this.dims = vector.length;
      this.rows = new WasmRows('f32', this.dims, this.capacity, { simd: this.simd });
      return;
    }
    if (vector.length !== this.dims) {
      throw new RangeError(`${where}: expected ${what} of ${this.dims} dimensions, found ${vector.length}`);
    }
  }
}
