import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import usearch, { MetricKind, ScalarKind } from 'usearch';
import { OptionError } from '../../errors.ts';
import type { SearchHit, VectorIndex } from '../../memory/types.ts';
import { assertFinite, normalizedMean, writeNormalized } from './kernels.ts';

/** usearch's storage of each vector: 32- or 16-bit floats, int8, or one bit per dimension. */
export type UsearchQuantization = 'f32' | 'f16' | 'i8' | 'b1';
export const USEARCH_QUANTIZATIONS: readonly UsearchQuantization[] = ['f32', 'f16', 'i8', 'b1'];

export interface UsearchIndexOptions {
  /** Scalar type of the stored vectors. 'b1' stores sign bits and searches by Hamming distance. Default 'f32'. */
  quantization?: UsearchQuantization;
  /** HNSW graph degree (usearch's `connectivity`, M). Default 16. */
  connectivity?: number;
  /** Candidate list size while inserting (usearch's `expansion_add`, efConstruction). Default 128. */
  expansionAdd?: number;
  /**
   * Candidate list size while searching (usearch's `expansion_search`, ef): larger finds more true neighbours,
   * slower. usearch fixes it when the index is built; withExpansion(ef) gives a copy searching with another. Default 64.
   */
  expansionSearch?: number;
  /** Threads usearch may use to add and search; 1 compares with memopt's one-thread kernels. Default 1. */
  threads?: number;
}

const DEFAULTS = { quantization: 'f32', connectivity: 16, expansionAdd: 128, expansionSearch: 64, threads: 1 } as const;

/**
 * An external peer: the usearch library's HNSW graph (npm `usearch` 2.25.3, a prebuilt native addon; nothing is
 * compiled at install) behind memopt's VectorIndex. Approximate: recall depends on the graph and `expansionSearch`.
 *
 * Vectors are normalized here and stored by usearch with the cosine metric, as f32, f16 or i8. With 'b1', the
 * normalized vector less a threshold per dimension (0, or the sample mean after fit()) is stored as sign bits and
 * searched by Hamming distance h; its score is then the cosine that distance implies, cos(π h / d).
 *
 * memopt's string ids map to usearch's integer keys here (a client-side map, not counted in memoryBytes(), as no
 * index counts ids). memoryBytes() is the size of usearch's own serialized index (save(): the vectors in their
 * scalar type, the graph and a header): the JavaScript binding of 2.25.3 exposes no in-memory usage.
 */
export class UsearchIndex implements VectorIndex {
  readonly options: Required<UsearchIndexOptions>;
  private index: InstanceType<typeof usearch.Index> | undefined;
  private dims: number | undefined;
  private thresholds: Float32Array | undefined;
  private readonly keyOf = new Map<string, bigint>();
  private readonly idOf = new Map<bigint, string>();
  private nextKey = 0n;

  constructor(options: UsearchIndexOptions = {}) {
    const quantization = options.quantization ?? DEFAULTS.quantization;
    if (!USEARCH_QUANTIZATIONS.includes(quantization)) throw new OptionError('quantization', `one of ${USEARCH_QUANTIZATIONS.join(', ')}`, quantization);
    const integer = (name: keyof typeof DEFAULTS, value: number | undefined, min: number): number => {
      const v = value ?? (DEFAULTS[name] as number);
      if (!Number.isInteger(v) || v < min) throw new OptionError(name, `an integer >= ${min}`, v);
      return v;
    };
    this.options = {
      quantization,
      connectivity: integer('connectivity', options.connectivity, 2),
      expansionAdd: integer('expansionAdd', options.expansionAdd, 1),
      expansionSearch: integer('expansionSearch', options.expansionSearch, 1),
      threads: integer('threads', options.threads, 1),
    };
  }

  get dimensions(): number | undefined {
    return this.dims;
  }

  get size(): number {
    return this.keyOf.size;
  }

  /** With 'b1': sets each dimension's threshold to the mean of the normalized sample (on an empty index). No-op otherwise. */
  fit(sample: readonly ArrayLike<number>[]): { sampleRows: number } {
    if (this.options.quantization !== 'b1' || sample.length === 0) return { sampleRows: 0 };
    if (this.size > 0) throw new RangeError('UsearchIndex.fit: the index already holds vectors; fit before adding');
    const dims = sample[0].length;
    this.open(dims, 'fit');
    this.thresholds = normalizedMean(sample, dims, 'UsearchIndex.fit');
    return { sampleRows: sample.length };
  }

  add(id: string, vector: ArrayLike<number>): void {
    this.addMany([[id, vector]]);
  }

  /** Adds several vectors in one usearch call; every vector is checked first, so a bad one adds nothing. */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>]>): void {
    const list = [...entries];
    if (list.length === 0) return;
    const dims = this.dims ?? list[0][1].length;
    for (const [id, vector] of list) {
      if (vector.length !== dims) throw new RangeError(`UsearchIndex.add('${id}'): expected a vector of ${dims} dimensions, found ${vector.length}`);
      assertFinite(vector, `UsearchIndex.add('${id}')`);
    }
    const index = this.open(dims, 'add');
    // The last entry of an id wins, as add() one by one would leave it; a stored id is replaced.
    const last = new Map<string, ArrayLike<number>>();
    for (const [id, vector] of list) last.set(id, vector);
    for (const id of last.keys()) this.remove(id);
    const keys = new BigUint64Array(last.size);
    const data = new Float32Array(last.size * dims);
    let r = 0;
    for (const [id, vector] of last) {
      this.encode(vector, data, r * dims);
      const key = this.nextKey++;
      keys[r++] = key;
      this.keyOf.set(id, key);
      this.idOf.set(key, id);
    }
    index.add(keys, data, this.options.threads);
  }

  has(id: string): boolean {
    return this.keyOf.has(id);
  }

  remove(id: string): boolean {
    const key = this.keyOf.get(id);
    if (key === undefined) return false;
    this.index!.remove(key);
    this.keyOf.delete(id);
    this.idOf.delete(key);
    return true;
  }

  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    if (!this.index || this.size === 0 || k < 1) return [];
    const dims = this.dims!;
    if (vector.length !== dims) throw new RangeError(`UsearchIndex.search: expected a query of ${dims} dimensions, found ${vector.length}`);
    const query = new Float32Array(dims);
    this.encode(vector, query, 0);
    const found = this.index.search(query, Math.min(Math.floor(k), this.size), this.options.threads);
    const b1 = this.options.quantization === 'b1';
    const hits: SearchHit[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const id = this.idOf.get(found.keys[i]);
      if (id === undefined) continue; // usearch pads a short result with unused slots
      const distance = found.distances[i];
      hits.push({ id, score: b1 ? Math.cos((Math.PI * distance) / dims) : 1 - distance });
    }
    // memopt's order: best first, equal scores by id.
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Bytes of usearch's serialized index (written to a temporary file and measured: vectors, graph, header), plus the
   * b1 thresholds. Not the process's memory: usearch 2.25.3's JavaScript binding does not expose memory_usage().
   */
  memoryBytes(): number {
    if (!this.index) return 0;
    return this.withSavedFile((file) => statSync(file).size) + (this.thresholds?.byteLength ?? 0);
  }

  /** A copy that searches with another `expansionSearch` (usearch fixes it at construction): saved, then loaded. */
  withExpansion(expansionSearch: number): UsearchIndex {
    const copy = new UsearchIndex({ ...this.options, expansionSearch });
    if (!this.index) return copy;
    const index = copy.open(this.dims!, 'withExpansion');
    this.withSavedFile((file) => index.load(file));
    copy.thresholds = this.thresholds;
    for (const [id, key] of this.keyOf) {
      copy.keyOf.set(id, key);
      copy.idOf.set(key, id);
    }
    copy.nextKey = this.nextKey;
    return copy;
  }

  close(): void {
    this.index = undefined;
    this.keyOf.clear();
    this.idOf.clear();
  }

  private withSavedFile<T>(use: (file: string) => T): T {
    const folder = mkdtempSync(join(tmpdir(), 'memopt-usearch-'));
    try {
      const file = join(folder, 'index.usearch');
      this.index!.save(file);
      return use(file);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  private open(dims: number, operation: string): InstanceType<typeof usearch.Index> {
    if (this.dims !== undefined && this.dims !== dims) throw new RangeError(`UsearchIndex.${operation}: expected ${this.dims} dimensions, found ${dims}`);
    if (dims < 1) throw new RangeError(`UsearchIndex.${operation}: expected vectors of at least 1 dimension, found 0`);
    this.dims = dims;
    if (!this.index) {
      const { quantization, connectivity, expansionAdd, expansionSearch } = this.options;
      this.index = new usearch.Index({
        dimensions: dims,
        metric: (quantization === 'b1' ? 'hamming' : 'cos') as MetricKind,
        quantization: quantization as ScalarKind,
        connectivity,
        expansion_add: expansionAdd,
        expansion_search: expansionSearch,
        multi: false,
      });
    }
    return this.index;
  }

  /** The normalized vector (less the b1 thresholds) into `out` at `offset`. */
  private encode(vector: ArrayLike<number>, out: Float32Array, offset: number): void {
    writeNormalized(vector, out, offset);
    const thresholds = this.thresholds;
    if (thresholds) for (let j = 0; j < thresholds.length; j++) out[offset + j] -= thresholds[j];
  }
}
