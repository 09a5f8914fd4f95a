import { OptionError, RunError } from '../../errors.ts';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { crossDots } from './linalg.ts';
import { assertFinite, dotRowFloat32, dotRowInt8, dotRowsFloat32, dotRowsInt8, writeNormalized } from './kernels.ts';
import { PCA_METHODS, explainedVariance, fitPca, modelBytes, truncateModel, type PcaMethod, type PcaModel } from './pca.ts';
import { loadCompressedIndex, saveCompressedIndex } from './persistence.ts';
import { ScalarQuantizer } from './quantize.ts';
import { RowDirectory } from './row-directory.ts';
import { selectTopK, toHits } from './top-k.ts';
import { WasmRows } from './wasm-rows.ts';

/** How the projected vectors are stored. */
export type Precision = 'float32' | 'int8';

export interface RerankOptions {
  /**
   * The shortlist is `oversample x k` candidates by projected score; each is then re-scored by adding the query's
   * dot product with the vector's stored residual (what the projection, as stored, left out of the centred vector),
   * which restores its full-width cosine up to the residual's rounding; the best k of the shortlist are returned
   * with those scores. Default 4.
   */
  oversample?: number;
  /**
   * How the residuals (one per vector, input width) are kept: 'int8' (1 byte per dimension, per-dimension scale and
   * offset fitted on the sample's residuals) or 'float32' (4 bytes, exact). Default 'int8'. Counted in
   * memoryBytes() either way.
   */
  precision?: Precision;
}

export interface PrefilterOptions {
  /** Leading projected coordinates scanned for every row; fewer than the index's `components`. */
  components: number;
  /** Rows kept from the prefix scan for full scoring. */
  candidates: number;
}

export interface CompressedIndexOptions {
  /** Width after projection. Default 256. At most the input width, and below the fit sample's row count. */
  components?: number;
  /**
   * Storage of the projected vectors: 'float32' (4 bytes per component) or 'int8' (1 byte, per-dimension scale and
   * offset fitted on the projected sample; another 4x smaller, scores change by at most half a step per component).
   * Default 'float32'.
   */
  precision?: Precision;
  /** Re-rank an oversampled shortlist with each vector's stored residual (costs its memory). Default: off. */
  rerank?: RerankOptions | false;
  /**
   * Scan only the first `components` coordinates of every stored projection (PCA orders them by variance, so a
   * prefix carries most of the score), keep the best `candidates` rows, and finish the full projected score for
   * those alone. Cuts the scan by about components / width at the risk of a true neighbour falling outside the
   * candidates; off when the index holds no more rows than `candidates`. Costs no memory. Default: off.
   */
  prefilter?: PrefilterOptions | false;
  /**
   * Keep the mean term: one float32 per stored vector, m(x) = μ · r(x), where r(x) = (x̂ - μ) - Pᵀŷ is what the
   * stored projection leaves out of the centred vector. Added to every first-stage score, it makes the score's error
   * r(q) · r(x) (the residuals of the *centred* query and vector) instead of q̂ · r(x): real embeddings share a
   * large mean direction, so q̂ · r(x) is dominated by μ · r(x), which varies from vector to vector. 4 bytes per
   * vector, counted in memoryBytes(). Default true (FAISS's PCA keeps the same term).
   */
  meanTerm?: boolean;
  /**
   * PCA method used by fit(). Default 'randomized' (Halko's range finder with scikit-learn's power iterations,
   * through the covariance formed by the SIMD Gram kernel): within 0.004 recall@10 of the exact fit on all rows at
   * every width measured (mock and USE-lite, 32-512 components), on all 10,000 rows of a scenario in about half the
   * CPU time 'subspace' took on 5,000 (docs/results.md, "PCA fit against scikit-learn").
   */
  fitMethod?: PcaMethod;
  /**
   * Most rows fit() uses: a larger sample is thinned to this many, evenly spaced (deterministic). Fit time grows
   * linearly with it (the covariance, d²/2 multiply-adds a row: ~0.1 ms a row at 1536-d, ~0.01 ms at 512-d) plus a
   * fixed part (the iterations). Default 20,000: 5,000 lost up to 0.010 recall@10 against a fit on all rows
   * (128 components, 20,000 mock rows; 0.006 on USE-lite), 10,000 up to 0.003 (docs/results.md, "PCA fit against
   * scikit-learn").
   */
  fitSampleSize?: number;
  /** Seed of the fit's random start (the 'randomized' and 'subspace' methods). Default 1. */
  seed?: number;
  /** Vectors to allocate room for up front; doubles when full (empty rows are counted: they are held). Default 1024. */
  initialCapacity?: number;
}

/** What fit() did. */
export interface FitReport {
  method: PcaMethod;
  /** Rows of the sample actually used (after thinning to `fitSampleSize`). */
  sampleRows: number;
  components: number;
  /** Share of the sample's variance kept by the projection, in [0, 1]. */
  explainedVariance: number;
  /** Subspace iterations run (0 for direct methods, or when a model was given). */
  iterations: number;
  converged: boolean;
}

/** The fitted state every stored row depends on; saved and loaded as a unit (persistence.ts). */
export interface CompressedState {
  model: PcaModel;
  /** Set when projected vectors are int8. */
  quantizer: ScalarQuantizer | undefined;
  /** Set when re-rank vectors are int8. */
  rerankQuantizer: ScalarQuantizer | undefined;
}

const DEFAULTS = { components: 256, precision: 'float32', meanTerm: true, fitMethod: 'randomized', fitSampleSize: 20_000, seed: 1, initialCapacity: 1024 } as const;
/** The re-rank scratch is sized for a shortlist of `oversample x RERANK_SCRATCH_K` rows (k = 10, the usual query). */
const RERANK_SCRATCH_K = 10;
const RERANK_DEFAULTS = { oversample: 4, precision: 'int8' } as const;

/**
 * A cosine index over PCA-projected vectors: `fit(sample)` learns the projection, then `add` stores each vector's
 * projection contiguously (float32 or int8) and `search` scans the projections.
 *
 * Scores approximate the original cosine, not a cosine in the projected space. Vectors are normalized first (x̂ =
 * x/|x|), and with mean μ and axes P (x̂ ≈ μ + Pᵀ y, y = P (x̂ - μ)):
 *
 *     cos(q, x) = q̂ · x̂ ≈ q̂ · μ + (P q̂) · y
 *
 * The query is projected *uncentred* (P q̂, not P (q̂ - μ)): ranking by P(q̂ - μ) · y would subtract (P μ) · y, a
 * term that differs per stored vector, and reorder results. q̂ · μ is the same for every stored vector, so it does
 * not change the ranking, but it is added so the score estimates the cosine itself. The error is the dot product of
 * the parts of q̂ and x̂ the axes miss (bounded by the product of their residual norms).
 *
 * With re-rank, the best `oversample x k` by that estimate are re-scored against full-width vectors (int8 or
 * float32), which removes the projection's error for the results returned.
 */
export class CompressedIndex implements VectorIndex {
  /**
   * A filtered search scans only the rows matching the filter (RowDirectory's inverted lists); the prefilter and
   * the re-rank shortlist are then taken among those rows.
   */
  readonly filtering = 'native';
  /** Options with defaults applied. */
  readonly options: {
    components: number;
    precision: Precision;
    rerank: { oversample: number; precision: Precision } | undefined;
    prefilter: PrefilterOptions | undefined;
    meanTerm: boolean;
    fitMethod: PcaMethod;
    fitSampleSize: number;
    seed: number;
    initialCapacity: number;
  };
  private state: CompressedState | undefined;
  /** Projected codes, one row per vector, in WebAssembly memory (SIMD scan); undefined until fitted. */
  private codeRows: WasmRows | undefined;
  /** The model's axes as rows in WebAssembly memory: projecting a query is a SIMD scan over them. */
  private axisRows: WasmRows | undefined;
  private full: Float32Array | Int8Array | undefined;
  /**
   * With re-rank: the shortlist's full-width rows are copied here (a memcpy of ~120 KB for 80 rows) and scored by
   * the SIMD kernel in one call, instead of a JavaScript loop per row; undefined where the kernel cannot take the
   * width. Kept, so counted in memoryBytes(); sized for `oversample x 10` rows (a larger shortlist is scored in
   * JavaScript, so the scratch never grows).
   */
  private rerankRows: WasmRows | undefined;
  /** With `meanTerm`: m(x) = μ · r(x) per row (see the option), as many rows as the codes hold. */
  private meanTerms: Float32Array | undefined;
  private readonly directory = new RowDirectory();

  constructor(options: CompressedIndexOptions = {}) {
    const components = options.components ?? DEFAULTS.components;
    if (!Number.isInteger(components) || components < 1) throw new OptionError('components', 'an integer >= 1', components);
    const precision = options.precision ?? DEFAULTS.precision;
    if (precision !== 'float32' && precision !== 'int8') throw new OptionError('precision', "'float32' or 'int8'", precision);
    let rerank: CompressedIndex['options']['rerank'];
    if (options.rerank) {
      const oversample = options.rerank.oversample ?? RERANK_DEFAULTS.oversample;
      if (!Number.isInteger(oversample) || oversample < 1) throw new OptionError('rerank.oversample', 'an integer >= 1', oversample);
      const rerankPrecision = options.rerank.precision ?? RERANK_DEFAULTS.precision;
      if (rerankPrecision !== 'float32' && rerankPrecision !== 'int8') {
        throw new OptionError('rerank.precision', "'float32' or 'int8'", rerankPrecision);
      }
      rerank = { oversample, precision: rerankPrecision };
    }
    let prefilter: PrefilterOptions | undefined;
    if (options.prefilter) {
      const { components: prefix, candidates } = options.prefilter;
      if (!Number.isInteger(prefix) || prefix < 1 || prefix >= components) {
        throw new OptionError('prefilter.components', `an integer from 1 to ${components - 1} (below components)`, prefix);
      }
      if (!Number.isInteger(candidates) || candidates < 1) throw new OptionError('prefilter.candidates', 'an integer >= 1', candidates);
      prefilter = { components: prefix, candidates };
    }
    const fitMethod = options.fitMethod ?? DEFAULTS.fitMethod;
    if (!(PCA_METHODS as readonly string[]).includes(fitMethod)) throw new OptionError('fitMethod', `one of ${PCA_METHODS.join(', ')}`, fitMethod);
    const fitSampleSize = options.fitSampleSize ?? DEFAULTS.fitSampleSize;
    if (!Number.isInteger(fitSampleSize) || fitSampleSize < 2) throw new OptionError('fitSampleSize', 'an integer >= 2', fitSampleSize);
    const initialCapacity = options.initialCapacity ?? DEFAULTS.initialCapacity;
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) throw new OptionError('initialCapacity', 'an integer >= 1', initialCapacity);
    const meanTerm = options.meanTerm ?? DEFAULTS.meanTerm;
    if (typeof meanTerm !== 'boolean') throw new OptionError('meanTerm', 'true or false', meanTerm);
    this.options = { components, precision, rerank, prefilter, meanTerm, fitMethod, fitSampleSize, seed: options.seed ?? DEFAULTS.seed, initialCapacity };
  }

  /** Input width; undefined until fitted. */
  get dimensions(): number | undefined {
    return this.state?.model.dims;
  }

  get size(): number {
    return this.directory.size;
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** The fitted PCA model (shared, do not modify); undefined until fitted. */
  get model(): PcaModel | undefined {
    return this.state?.model;
  }

  /**
   * Learns the projection from `sample` (normalized first, thinned to `fitSampleSize` rows), and, for int8
   * storage, each dimension's range from the sample's projections. With `model`, that model (truncated to
   * `components`) is used instead of fitting one: a width sweep fits once at its widest.
   *
   * Must be called once, on an empty index: stored projections cannot be recomputed without the vectors they came
   * from, so refitting means building a new index.
   */
  fit(sample: readonly ArrayLike<number>[], options: { model?: PcaModel } = {}): FitReport {
    if (this.state) throw new RunError('CompressedIndex.fit: already fitted; build a new index to refit');
    if (sample.length === 0) throw new RangeError('CompressedIndex.fit: expected a sample of at least 2 vectors, found 0');
    const dims = sample[0].length;
    if (dims === 0) throw new RangeError('CompressedIndex.fit: expected vectors of at least 1 dimension, found 0');
    const { components, fitSampleSize, fitMethod, seed } = this.options;
    if (components > dims) throw new OptionError('components', `at most the input width ${dims}`, components);
    const picked = thin(sample.length, fitSampleSize);
    const rows = new Float64Array(picked.length * dims);
    picked.forEach((index, r) => {
      const vector = sample[index];
      if (vector.length !== dims) {
        throw new RangeError(`CompressedIndex.fit: sample[${index}]: expected a vector of ${dims} dimensions, found ${vector.length}`);
      }
      assertFinite(vector, `CompressedIndex.fit: sample[${index}]`);
      writeNormalized(vector, rows, r * dims);
    });

    let model: PcaModel;
    let iterations = 0;
    let converged = true;
    let method: PcaMethod = fitMethod;
    if (options.model) {
      if (options.model.dims !== dims) {
        throw new RangeError(`CompressedIndex.fit: the given model takes ${options.model.dims} dimensions, the sample has ${dims}`);
      }
      model = options.model.components === components ? options.model : truncateModel(options.model, components);
    } else {
      if (picked.length <= components) {
        throw new RangeError(
          `CompressedIndex.fit: ${components} components need a sample of at least ${components + 1} vectors, found ${picked.length}`,
        );
      }
      const result = fitPca(rows, dims, picked.length, { components, method: fitMethod, seed });
      ({ model, iterations, converged, method } = result);
    }

    // Ranges for int8 storage come from the sample itself: its projections, then the residuals they leave.
    const encoder = new BlockEncoder(model, undefined, picked.length);
    const unit = rows; // already normalized
    let quantizer: ScalarQuantizer | undefined;
    if (this.options.precision === 'int8') {
      quantizer = ScalarQuantizer.fit(encoder.project(unit, picked.length), components, picked.length);
    }
    let rerankQuantizer: ScalarQuantizer | undefined;
    if (this.options.rerank && this.options.rerank.precision === 'int8') {
      const withCodes = new BlockEncoder(model, quantizer, picked.length);
      withCodes.encode(unit, picked.length, true);
      rerankQuantizer = ScalarQuantizer.fit(withCodes.residual, dims, picked.length);
    }
    this.install({ model, quantizer, rerankQuantizer });
    return {
      method,
      sampleRows: picked.length,
      components,
      explainedVariance: explainedVariance(model),
      iterations,
      converged,
    };
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    const state = this.requireFitted('add');
    const dims = state.model.dims;
    if (vector.length !== dims) throw new RangeError(`CompressedIndex.add('${id}'): expected a vector of ${dims} dimensions, found ${vector.length}`);
    assertFinite(vector, `CompressedIndex.add('${id}')`);
    if (!this.directory.has(id)) this.reserve(this.directory.size + 1, true);
    this.store(this.directory.rowFor(id, attributes), vector);
  }

  /**
   * Adds several vectors, growing the store once to exactly the room they need. Every vector is checked before any
   * is stored, so a bad one adds nothing. Projection runs in blocks of 64 vectors through the blocked kernel, about
   * twice as fast per vector as add().
   */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): void {
    const state = this.requireFitted('addMany');
    const { model, quantizer, rerankQuantizer } = state;
    const dims = model.dims;
    const k = this.options.components;
    const list = Array.isArray(entries) ? (entries as ReadonlyArray<readonly [string, ArrayLike<number>, EntryAttributes?]>) : [...entries];
    for (const [id, vector] of list) {
      if (vector.length !== dims) {
        throw new RangeError(`CompressedIndex.addMany('${id}'): expected a vector of ${dims} dimensions, found ${vector.length}`);
      }
      assertFinite(vector, `CompressedIndex.addMany('${id}')`);
    }
    this.reserve(this.directory.size + this.directory.countNew(list.map(([id]) => id)));
    const rowFor = list.map(([id, , attributes]) => this.directory.rowFor(id, attributes));
    const block = 64;
    const encoder = new BlockEncoder(model, quantizer, block);
    const unit = new Float64Array(block * dims);
    for (let start = 0; start < list.length; start += block) {
      const count = Math.min(block, list.length - start);
      for (let v = 0; v < count; v++) writeNormalized(list[start + v][1], unit, v * dims);
      encoder.encode(unit, count, this.full !== undefined, this.meanTerms !== undefined);
      for (let v = 0; v < count; v++) this.write(rowFor[start + v], encoder, v, rerankQuantizer);
    }
  }

  has(id: string): boolean {
    return this.directory.has(id);
  }

  remove(id: string): boolean {
    return this.directory.remove(id, (from, to) => {
      const k = this.options.components;
      this.codeRows!.view.copyWithin(to * k, from * k, (from + 1) * k);
      if (this.full) {
        const d = this.state!.model.dims;
        this.full.copyWithin(to * d, from * d, (from + 1) * d);
      }
      if (this.meanTerms) this.meanTerms[to] = this.meanTerms[from];
    });
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    const state = this.requireFitted('search');
    const { model, quantizer } = state;
    const dims = model.dims;
    if (vector.length !== dims) throw new RangeError(`CompressedIndex.search: expected a query of ${dims} dimensions, found ${vector.length}`);
    const n = this.directory.size;
    // With a filter, only its rows are scanned (scores are indexed by row; the others' entries stay unread).
    const matching = this.directory.rowsMatching(filter);
    if (matching?.length === 0) return [];
    const candidates = matching ? matching.length : n;
    const components = this.options.components;
    // Per-query scratch is allocated here, not held: memoryBytes() is then all the index keeps.
    const query = new Float64Array(dims);
    writeNormalized(vector, query);
    let constant = 0;
    for (let j = 0; j < dims; j++) constant += query[j] * model.mean[j];
    // P q̂ through the blocked kernel (the axes are `components` rows of `dims`).
    const query32 = new Float32Array(query);
    const projected = new Float64Array(components);
    this.axisRows!.scan(query32, components, projected);
    const weights = new Float32Array(components);
    if (quantizer) constant += quantizer.queryWeights(projected, weights);
    else weights.set(projected);

    // The scan leaves out `constant` (the same for every row, so it cannot change a ranking); it is added only to
    // the rows that can still be returned.
    const scores = new Float64Array(n);
    const codeRows = this.codeRows!;
    const codes = codeRows.view;
    const prefilter = this.options.prefilter;
    // `pool`: the rows whose projected score is complete (all of them, or the filter's, without a prefilter).
    let pool: Int32Array | undefined = matching;
    // The mean term is part of each row's first-stage score (with a prefilter, added before its candidates are kept).
    const meanTerms = this.meanTerms;
    const scan = (width?: number): void => {
      if (matching) codeRows.scanRows(weights, matching, scores, width);
      else codeRows.scan(weights, n, scores, width);
      if (!meanTerms) return;
      if (matching) for (const row of matching) scores[row] += meanTerms[row];
      else for (let row = 0; row < n; row++) scores[row] += meanTerms[row];
    };
    if (prefilter && candidates > prefilter.candidates) {
      const p = prefilter.components;
      scan(p);
      pool = Int32Array.from(selectTopK(scores, n, this.directory.ids, prefilter.candidates, matching));
      for (const row of pool) {
        scores[row] += (codes instanceof Int8Array ? dotRowInt8(codes, components, row, weights, p) : dotRowFloat32(codes, components, row, weights, p));
      }
    } else {
      scan();
    }

    const rerank = this.options.rerank;
    if (!rerank || !this.full) {
      const best = selectTopK(scores, n, this.directory.ids, k, pool);
      for (const row of best) scores[row] += constant;
      return toHits(best, scores, this.directory.ids);
    }
    const shortlist = Int32Array.from(selectTopK(scores, n, this.directory.ids, k * rerank.oversample, pool));
    // The stored residual r = x̂ - μ - Pᵀŷ completes the first-stage score: q̂·μ + (P q̂)·ŷ + q̂·r = q̂·x̂ (rescore
    // takes out the mean term μ·r, which q̂·r replaces).
    if (this.full instanceof Int8Array) {
      const fullWeights = new Float32Array(dims);
      const fullConstant = state.rerankQuantizer!.queryWeights(query, fullWeights);
      this.rescore(shortlist, fullWeights, constant + fullConstant, scores);
    } else {
      this.rescore(shortlist, query32, constant, scores);
    }
    return toHits(selectTopK(scores, n, this.directory.ids, k, shortlist), scores, this.directory.ids);
  }

  /** scores[row] += constant + full row · query, for every row of the shortlist. */
  private rescore(shortlist: Int32Array, query: Float32Array, constant: number, scores: Float64Array): void {
    const full = this.full!;
    const dims = this.state!.model.dims;
    const scratch = this.rerankRows;
    const meanTerms = this.meanTerms;
    // A shortlist larger than the scratch (a large k, e.g. a filtered search asking for every row) is scored in
    // JavaScript rather than growing the scratch: it would stay as a second copy of the residuals.
    if (!scratch || scratch.capacity < shortlist.length) {
      for (const row of shortlist) {
        const partial = full instanceof Int8Array ? dotRowInt8(full, dims, row, query) : dotRowFloat32(full, dims, row, query);
        scores[row] += constant + partial - (meanTerms ? meanTerms[row] : 0);
      }
      return;
    }
    const gathered = scratch.view;
    for (let i = 0; i < shortlist.length; i++) {
      const row = shortlist[i];
      gathered.set(full.subarray(row * dims, (row + 1) * dims) as never, i * dims);
    }
    const partial = new Float64Array(shortlist.length);
    scratch.scan(query, shortlist.length, partial);
    for (let i = 0; i < shortlist.length; i++) {
      const row = shortlist[i];
      scores[row] += constant + partial[i] - (meanTerms ? meanTerms[row] : 0);
    }
  }

  /**
   * Everything the index holds for its vectors and model, exactly: projected codes, mean terms (when on), re-rank vectors and their scratch (when on),
   * empty rows included (they are allocated), the PCA model (mean, axes, eigenvalues) and quantizer ranges. Ids are
   * not counted, as NaiveIndex does not count them: every index keeps the same ids.
   */
  memoryBytes(): number {
    if (!this.state) return 0;
    const { model, quantizer, rerankQuantizer } = this.state;
    // The axes live in axisRows (model.axes is a view of it): count that memory instead of the view.
    return (
      this.codeRows!.byteLength() +
      (this.full?.byteLength ?? 0) +
      (this.meanTerms?.byteLength ?? 0) +
      modelBytes(model) -
      model.axes.byteLength +
      this.axisRows!.byteLength() +
      (this.rerankRows?.byteLength() ?? 0) +
      (quantizer?.memoryBytes() ?? 0) +
      (rerankQuantizer?.memoryBytes() ?? 0)
    );
  }

  /**
   * The part of memoryBytes() held in WebAssembly memory (codes and axes). V8 counts WebAssembly memory in neither
   * `heapUsed` nor `arrayBuffers` of process.memoryUsage(), so a heap measurement must add this.
   */
  wasmMemoryBytes(): number {
    return (this.codeRows?.byteLength() ?? 0) + (this.axisRows?.byteLength() ?? 0) + (this.rerankRows?.byteLength() ?? 0);
  }

  /** The contract's name for wasmMemoryBytes(): memory outside the JS heap. */
  externalBytes(): number {
    return this.wasmMemoryBytes();
  }

  describe(): PartDescription {
    const { components, precision, rerank } = this.options;
    const rerankText = rerank ? `${rerank.precision} x${rerank.oversample}` : 'none';
    return {
      kind: 'compressed',
      setting: `PCA ${components} ${precision}${rerank ? ` + re-rank ${rerankText}` : ''}`,
      settings: { components, precision, rerank: rerankText, exact: false, bytesSource: 'arrays held' },
    };
  }

  /** Bytes stored per vector, model excluded: the marginal cost of one more vector. */
  bytesPerVector(): number {
    const k = this.options.components;
    const perCode = this.options.precision === 'int8' ? 1 : 4;
    const rerank = this.options.rerank;
    const perFull = rerank ? (rerank.precision === 'int8' ? 1 : 4) : 0;
    return k * perCode + (this.options.meanTerm ? 4 : 0) + (this.state?.model.dims ?? 0) * perFull;
  }

  /** Makes room for at least `count` vectors (exactly `count`, or doubling with `grow`). */
  reserve(count: number, grow = false): void {
    this.requireFitted('reserve');
    const capacity = this.codeRows!.capacity;
    if (count <= capacity) return;
    this.resize(grow ? Math.max(count, this.options.initialCapacity, 2 * capacity) : count);
  }

  /** Releases the empty rows at the end of the store. */
  trim(): void {
    if (this.codeRows && this.codeRows.capacity > this.directory.size) this.resize(this.directory.size);
  }

  /** Saves model and vectors to `file` (atomically; format in persistence.ts). */
  save(file: string): Promise<void> {
    return saveCompressedIndex(this, file);
  }

  /** Loads an index saved with save(); a truncated, corrupt or foreign file is an InputError naming the file. */
  static load(file: string): Promise<CompressedIndex> {
    return loadCompressedIndex(file);
  }

  /** Ids in row order (a copy). */
  storedIds(): string[] {
    return [...this.directory.ids];
  }

  /** The fitted state and the stored rows, for persistence (shared arrays, trimmed to `size` rows; do not modify). */
  snapshot(): {
    state: CompressedState;
    ids: readonly string[];
    /** Per id, in order: its namespace and metadata (undefined: none). */
    attributes: ReadonlyArray<EntryAttributes | undefined>;
    codes: Float32Array | Int8Array;
    full: Float32Array | Int8Array | undefined;
    meanTerms: Float32Array | undefined;
  } {
    const state = this.requireFitted('snapshot');
    const n = this.directory.size;
    return {
      state,
      ids: this.directory.ids,
      attributes: this.directory.ids.map((id) => this.directory.attributesOf(id)),
      codes: this.codeRows!.view.subarray(0, n * this.options.components),
      full: this.full?.subarray(0, n * state.model.dims),
      meanTerms: this.meanTerms?.subarray(0, n),
    };
  }

  /**
   * Rebuilds an index from saved parts (persistence.ts checks them first). `full` and the codes are copied
   * into the index's own memory.
   * @internal
   */
  static restore(
    options: CompressedIndexOptions,
    state: CompressedState,
    ids: readonly string[],
    attributes: ReadonlyArray<EntryAttributes | undefined> | undefined,
    codes: Float32Array | Int8Array,
    full: Float32Array | Int8Array | undefined,
    meanTerms: Float32Array | undefined,
  ): CompressedIndex {
    const index = new CompressedIndex({ ...options, initialCapacity: Math.max(1, ids.length) });
    index.install(state);
    index.codeRows!.view.set(codes);
    if (full) index.full!.set(full as never);
    if (meanTerms) index.meanTerms!.set(meanTerms);
    ids.forEach((id, row) => index.directory.rowFor(id, attributes?.[row]));
    return index;
  }

  private install(state: CompressedState): void {
    const { model } = state;
    const axisRows = new WasmRows('f32', model.dims, model.components);
    axisRows.view.set(model.axes);
    this.axisRows = axisRows;
    this.state = { ...state, model: { ...model, axes: axisRows.view as Float32Array } };
    this.codeRows = new WasmRows(this.options.precision === 'int8' ? 'i8' : 'f32', this.options.components, this.options.initialCapacity);
    const { rerank } = this.options;
    if (rerank || this.options.meanTerm) this.resize(this.options.initialCapacity);
    if (rerank) {
      const scratch = new WasmRows(rerank.precision === 'int8' ? 'i8' : 'f32', model.dims, rerank.oversample * RERANK_SCRATCH_K);
      this.rerankRows = scratch.simd ? scratch : undefined;
    }
  }

  private resize(rows: number): void {
    const { rerank } = this.options;
    const n = this.directory.size;
    this.codeRows!.resize(rows);
    if (rerank) {
      const d = this.state!.model.dims;
      // As many rows as the codes hold (WasmRows keeps at least 1), so every code row has its residual row.
      const capacity = this.codeRows!.capacity;
      const full = rerank.precision === 'int8' ? new Int8Array(capacity * d) : new Float32Array(capacity * d);
      if (this.full) full.set(this.full.subarray(0, n * d) as never);
      this.full = full;
    }
    if (this.options.meanTerm) {
      const meanTerms = new Float32Array(this.codeRows!.capacity);
      if (this.meanTerms) meanTerms.set(this.meanTerms.subarray(0, n));
      this.meanTerms = meanTerms;
    }
  }

  /** Normalizes, projects and writes one vector into `row`. */
  private store(row: number, vector: ArrayLike<number>): void {
    const { model, quantizer, rerankQuantizer } = this.state!;
    const encoder = new BlockEncoder(model, quantizer, 1);
    const unit = new Float64Array(model.dims);
    writeNormalized(vector, unit);
    encoder.encode(unit, 1, this.full !== undefined, this.meanTerms !== undefined);
    this.write(row, encoder, 0, rerankQuantizer);
  }

  /** Copies block row `v` of an encoder's output into store row `row`. */
  private write(row: number, encoder: BlockEncoder, v: number, rerankQuantizer: ScalarQuantizer | undefined): void {
    const k = this.options.components;
    this.codeRows!.view.set(encoder.codes.subarray(v * k, (v + 1) * k) as never, row * k);
    if (this.meanTerms) this.meanTerms[row] = encoder.meanTerms[v];
    if (this.full) {
      const d = encoder.dims;
      if (rerankQuantizer) rerankQuantizer.encode(encoder.residual, v * d, this.full as Int8Array, row * d);
      else (this.full as Float32Array).set(encoder.residual.subarray(v * d, (v + 1) * d), row * d);
    }
  }

  private requireFitted(operation: string): CompressedState {
    if (!this.state) {
      throw new RunError(`CompressedIndex.${operation}: the index is not fitted; call fit(sample) before ${operation}`);
    }
    return this.state;
  }
}

/**
 * Encodes blocks of unit vectors: codes (the projection, rounded to float32 or quantized to int8) and, for re-rank,
 * the residual each leaves, r = (x̂ - μ) - Pᵀ ŷ with ŷ the projection as stored (dequantized). Storing r rather than
 * x̂ makes re-rank exact up to r's own rounding: the first-stage score q̂·μ + (P q̂)·ŷ plus q̂·r is q̂·x̂. And r is
 * small (the variance the axes miss, plus the codes' rounding), so int8 steps over its range are fine.
 *
 * Both products run through the blocked kernel: Y = X̃ Pᵀ (block x k) and Pᵀ Ŷ (block x d, as dot products with
 * the transposed axes).
 */
class BlockEncoder {
  readonly dims: number;
  readonly components: number;
  /** Codes of the last block (block x k). */
  readonly codes: Float32Array | Int8Array;
  /** Residuals of the last block (block x d); filled by encode(..., true). */
  readonly residual: Float64Array;
  /** Mean terms μ · r of the last block; filled by encode(..., residuals, true). */
  readonly meanTerms: Float64Array;
  /** P μ, for the mean terms. */
  private readonly projectedMean: Float64Array;
  private readonly axes: Float64Array;
  private axesTransposed: Float64Array | undefined;
  private readonly centred: Float64Array;
  private readonly projected: Float64Array;
  private readonly reconstructed: Float64Array;

  constructor(
    private readonly model: PcaModel,
    private readonly quantizer: ScalarQuantizer | undefined,
    block: number,
  ) {
    this.dims = model.dims;
    this.components = model.components;
    this.axes = Float64Array.from(model.axes);
    this.codes = quantizer ? new Int8Array(block * this.components) : new Float32Array(block * this.components);
    this.centred = new Float64Array(block * this.dims);
    this.residual = this.centred;
    this.projected = new Float64Array(block * this.components);
    this.reconstructed = new Float64Array(block * this.dims);
    this.meanTerms = new Float64Array(block);
    this.projectedMean = new Float64Array(this.components);
    crossDots(model.mean, 1, this.axes, this.components, this.dims, this.projectedMean);
  }

  /** The exact projections P (x̂ - μ) of `count` unit rows (block x k, float64); `unit` is not modified. */
  project(unit: Float64Array, count: number): Float64Array {
    const { dims, components } = this;
    const mean = this.model.mean;
    for (let v = 0; v < count; v++) for (let j = 0; j < dims; j++) this.centred[v * dims + j] = unit[v * dims + j] - mean[j];
    crossDots(this.centred, count, this.axes, components, dims, this.projected);
    return this.projected;
  }

  /** Codes (and, with `residuals`, residuals; with `meanTerms`, mean terms) of `count` unit rows. */
  encode(unit: Float64Array, count: number, residuals: boolean, meanTerms = false): void {
    const { dims, components, quantizer } = this;
    const projected = this.project(unit, count);
    // μ · r = μ · (x̂ - μ) - (P μ) · ŷ: its first part now, from the centred rows; the second once ŷ is known.
    if (meanTerms) {
      const mean = this.model.mean;
      for (let v = 0; v < count; v++) {
        let s = 0;
        for (let j = 0; j < dims; j++) s += mean[j] * this.centred[v * dims + j];
        this.meanTerms[v] = s;
      }
    }
    for (let v = 0; v < count; v++) {
      if (quantizer) {
        const codes = this.codes as Int8Array;
        quantizer.encode(projected, v * components, codes, v * components);
        for (let c = 0; c < components; c++) projected[v * components + c] = quantizer.decode(codes[v * components + c], c);
      } else {
        for (let c = 0; c < components; c++) {
          const value = Math.fround(projected[v * components + c]);
          this.codes[v * components + c] = value;
          projected[v * components + c] = value;
        }
      }
    }
    if (meanTerms) {
      for (let v = 0; v < count; v++) {
        let s = 0;
        for (let c = 0; c < components; c++) s += this.projectedMean[c] * projected[v * components + c];
        this.meanTerms[v] -= s;
      }
    }
    if (!residuals) return;
    if (!this.axesTransposed) {
      const t = new Float64Array(dims * components);
      for (let c = 0; c < components; c++) for (let j = 0; j < dims; j++) t[j * components + c] = this.axes[c * dims + j];
      this.axesTransposed = t;
    }
    crossDots(projected, count, this.axesTransposed, dims, components, this.reconstructed);
    for (let i = 0; i < count * dims; i++) this.centred[i] -= this.reconstructed[i];
  }
}

/** `count` indexes spread evenly over [0, total): all of them when total <= count. */
function thin(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * total) / count));
}
