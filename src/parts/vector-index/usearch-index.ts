import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import usearch, { MetricKind, ScalarKind } from 'usearch';
import { OptionError } from '../../errors.ts';
import { compareHits, matchesSearchFilter } from '../../memory/reference.mjs';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { AttributeLists } from './attribute-lists.ts';
import { checkEntries, normalizedMean, writeNormalized } from './kernels.ts';

import { USEARCH_QUANTIZATIONS, type UsearchQuantization } from './params.ts';

export { USEARCH_QUANTIZATIONS, type UsearchQuantization };

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

type UsearchGraph = InstanceType<typeof usearch.Index>;

/** One namespace's graph and how many vectors it holds. */
interface Part {
  graph: UsearchGraph;
  size: number;
}

/**
 * An external peer: the usearch library's HNSW graph (npm `usearch` 2.25.3, a prebuilt native addon; nothing is
 * compiled at install) behind memopt's VectorIndex. Approximate: recall depends on the graph and `expansionSearch`.
 *
 * Vectors are normalized here and stored by usearch with the cosine metric, as f32, f16 or i8. With 'b1', the
 * normalized vector less a threshold per dimension (0, or the sample mean after fit()) is stored as sign bits and
 * searched by Hamming distance h; its score is then the cosine that distance implies, cos(π h / d).
 *
 * Filtered search. usearch 2.25.3's JavaScript binding has no filtered search (its `search(vectors, k, threads)`
 * takes no predicate; the C++ core's filtered_search is not bound). So this index keeps one graph per namespace
 * (vectors without a namespace share one more): a search within a namespace walks that namespace's graph alone, and
 * a search without one walks every graph and merges (one graph when no vector has a namespace, as before). A
 * metadata filter is applied by over-fetching inside the graphs searched: k first, then 4x more until k matching
 * hits are found or the graph is exhausted; the hits fetched and discarded are counted in stats()
 * (`metadataDiscardedHits`). `filtering` is 'native' for that reason: no search fetches outside its namespace.
 *
 * memopt's string ids map to usearch's integer keys here (a client-side map, not counted in memoryBytes(), as no
 * index counts ids). memoryBytes() is the size of usearch's own serialized graphs (save(): the vectors in their
 * scalar type, the graph and a header, per namespace): the JavaScript binding of 2.25.3 exposes no in-memory usage.
 */
export class UsearchIndex implements VectorIndex {
  readonly filtering = 'native';
  options: Required<UsearchIndexOptions>;
  private dims: number | undefined;
  private thresholds: Float32Array | undefined;
  /** Graphs by namespace (undefined: vectors without a namespace). */
  private readonly parts = new Map<string | undefined, Part>();
  private readonly entryOf = new Map<string, { key: bigint; namespace: string | undefined }>();
  private readonly idOf = new Map<bigint, string>();
  private readonly attributes = new AttributeLists();
  private nextKey = 0n;
  private counters = { metadataSearches: 0, metadataDiscardedHits: 0 };

  constructor(options: UsearchIndexOptions = {}) {
    const quantization = options.quantization ?? DEFAULTS.quantization;
    if (!(USEARCH_QUANTIZATIONS as readonly string[]).includes(quantization)) throw new OptionError('quantization', `one of ${USEARCH_QUANTIZATIONS.join(', ')}`, quantization);
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
    return this.entryOf.size;
  }

  /** With 'b1': sets each dimension's threshold to the mean of the normalized sample (on an empty index). No-op otherwise. */
  fit(sample: readonly ArrayLike<number>[]): { sampleRows: number } {
    if (this.options.quantization !== 'b1' || sample.length === 0) return { sampleRows: 0 };
    if (this.size > 0) throw new RangeError('UsearchIndex.fit: the index already holds vectors; fit before adding');
    const dims = sample[0].length;
    this.setWidth(dims, 'fit');
    this.thresholds = normalizedMean(sample, dims, 'UsearchIndex.fit');
    return { sampleRows: sample.length };
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    this.addMany([[id, vector, attributes]]);
  }

  /** Adds several vectors, one usearch call per namespace; every vector is checked first, so a bad one adds nothing. */
  addMany(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): void {
    const list = [...entries];
    if (list.length === 0) return;
    const dims = checkEntries(list, this.dims, 'UsearchIndex');
    this.setWidth(dims, 'add');
    // The last entry of an id wins, as add() one by one would leave it; a stored id is replaced.
    const last = new Map<string, readonly [string, ArrayLike<number>, EntryAttributes?]>();
    for (const entry of list) last.set(entry[0], entry);
    for (const id of last.keys()) this.remove(id);
    const byNamespace = new Map<string | undefined, Array<readonly [string, ArrayLike<number>, EntryAttributes?]>>();
    for (const entry of last.values()) {
      const namespace = entry[2]?.namespace;
      let group = byNamespace.get(namespace);
      if (!group) byNamespace.set(namespace, (group = []));
      group.push(entry);
    }
    for (const [namespace, group] of byNamespace) {
      const keys = new BigUint64Array(group.length);
      const data = new Float32Array(group.length * dims);
      group.forEach(([id, vector, attributes], r) => {
        this.encode(vector, data, r * dims);
        const key = this.nextKey++;
        keys[r] = key;
        this.entryOf.set(id, { key, namespace });
        this.idOf.set(key, id);
        this.attributes.set(id, attributes);
      });
      const part = this.partFor(namespace);
      part.graph.add(keys, data, this.options.threads);
      part.size += group.length;
    }
  }

  has(id: string): boolean {
    return this.entryOf.has(id);
  }

  remove(id: string): boolean {
    const entry = this.entryOf.get(id);
    if (entry === undefined) return false;
    const part = this.parts.get(entry.namespace)!;
    part.graph.remove(entry.key);
    // An emptied namespace's graph is dropped, so many short-lived namespaces do not pile up graphs.
    if (--part.size === 0) this.parts.delete(entry.namespace);
    this.entryOf.delete(id);
    this.idOf.delete(entry.key);
    this.attributes.delete(id);
    return true;
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    if (this.size === 0 || k < 1) return [];
    const dims = this.dims!;
    if (vector.length !== dims) throw new RangeError(`UsearchIndex.search: expected a query of ${dims} dimensions, found ${vector.length}`);
    const query = new Float32Array(dims);
    this.encode(vector, query, 0);
    const wanted = Math.floor(k);
    let parts: Part[];
    if (filter?.namespace !== undefined) {
      const part = this.parts.get(filter.namespace);
      parts = part ? [part] : [];
    } else {
      parts = [...this.parts.values()];
    }
    const metadata = filter?.metadata && Object.keys(filter.metadata).length > 0 ? filter.metadata : undefined;
    if (metadata) this.counters.metadataSearches++;
    const hits: SearchHit[] = [];
    for (const part of parts) hits.push(...this.searchPart(part, query, wanted, metadata));
    // memopt's order: best first, equal scores by id.
    hits.sort(compareHits);
    return hits.slice(0, wanted);
  }

  /**
   * Counters: `namespaces` (graphs held), `metadataSearches` (searches with a metadata filter) and
   * `metadataDiscardedHits` (hits those fetched from usearch and discarded for not matching it).
   */
  stats(): Record<string, number> {
    return { namespaces: this.parts.size, ...this.counters };
  }

  /**
   * Bytes of usearch's serialized graphs (each written to a temporary file and measured: vectors, graph, header),
   * plus the b1 thresholds. Not the process's memory: usearch 2.25.3's JavaScript binding does not expose
   * memory_usage().
   */
  memoryBytes(): number {
    let bytes = this.thresholds?.byteLength ?? 0;
    for (const part of this.parts.values()) bytes += withSavedFile(part.graph, (file) => statSync(file).size);
    return bytes;
  }

  /** Native memory: usearch's own, as its serialized size (its binding does not expose memory_usage()). */
  externalBytes(): number {
    return this.memoryBytes();
  }

  describe(): PartDescription {
    const { quantization, connectivity, expansionSearch } = this.options;
    return {
      kind: 'usearch',
      setting: `HNSW ${quantization}, M ${connectivity}, ef ${expansionSearch}`,
      settings: { precision: quantization, exact: false, bytesSource: 'serialized graphs' },
    };
  }

  /**
   * Searches from now on with another `expansionSearch` (the only search-time setting). usearch fixes it when a
   * graph is made, so each graph is saved and loaded anew, as withExpansion does.
   */
  setSearchParams(settings: Record<string, number>): void {
    for (const name of Object.keys(settings)) if (name !== 'expansionSearch') throw new OptionError(name, 'expansionSearch (the only search-time setting)', settings[name]);
    const expansionSearch = settings.expansionSearch;
    if (expansionSearch === undefined || expansionSearch === this.options.expansionSearch) return;
    if (!Number.isInteger(expansionSearch) || expansionSearch < 1) throw new OptionError('expansionSearch', 'an integer >= 1', expansionSearch);
    this.options = { ...this.options, expansionSearch };
    for (const part of this.parts.values()) {
      const graph = this.newGraph(this.dims!);
      withSavedFile(part.graph, (file) => graph.load(file));
      part.graph = graph;
    }
  }

  /** A copy that searches with another `expansionSearch` (usearch fixes it at construction): saved, then loaded. */
  withExpansion(expansionSearch: number): UsearchIndex {
    const copy = new UsearchIndex({ ...this.options, expansionSearch });
    copy.dims = this.dims;
    copy.thresholds = this.thresholds;
    for (const [namespace, part] of this.parts) {
      const graph = copy.newGraph(this.dims!);
      withSavedFile(part.graph, (file) => graph.load(file));
      copy.parts.set(namespace, { graph, size: part.size });
    }
    for (const [id, entry] of this.entryOf) {
      copy.entryOf.set(id, { ...entry });
      copy.idOf.set(entry.key, id);
      copy.attributes.set(id, this.attributes.get(id));
    }
    copy.nextKey = this.nextKey;
    return copy;
  }

  close(): void {
    this.parts.clear();
    this.entryOf.clear();
    this.idOf.clear();
  }

  /** The best `k` hits of one graph, matching `metadata` when given (over-fetching 4x more until found or exhausted). */
  private searchPart(part: Part, query: Float32Array, k: number, metadata: SearchFilter['metadata']): SearchHit[] {
    for (let fetch = Math.min(k, part.size); ; fetch = Math.min(part.size, fetch * 4)) {
      const found = part.graph.search(query, fetch, this.options.threads);
      const hits: SearchHit[] = [];
      let fetched = 0;
      for (let i = 0; i < found.keys.length; i++) {
        const id = this.idOf.get(found.keys[i]);
        if (id === undefined) continue; // usearch pads a short result with unused slots
        fetched++;
        if (metadata && !matchesSearchFilter(this.attributes.get(id), { metadata })) continue;
        const distance = found.distances[i];
        hits.push({ id, score: this.options.quantization === 'b1' ? Math.cos((Math.PI * distance) / this.dims!) : 1 - distance });
      }
      if (!metadata) return hits;
      if (hits.length >= k || fetch >= part.size) {
        this.counters.metadataDiscardedHits += fetched - hits.length;
        return hits;
      }
      this.counters.metadataDiscardedHits += fetched - hits.length;
    }
  }

  private setWidth(dims: number, operation: string): void {
    if (this.dims !== undefined && this.dims !== dims) throw new RangeError(`UsearchIndex.${operation}: expected ${this.dims} dimensions, found ${dims}`);
    if (dims < 1) throw new RangeError(`UsearchIndex.${operation}: expected vectors of at least 1 dimension, found 0`);
    this.dims = dims;
  }

  private partFor(namespace: string | undefined): Part {
    let part = this.parts.get(namespace);
    if (!part) this.parts.set(namespace, (part = { graph: this.newGraph(this.dims!), size: 0 }));
    return part;
  }

  private newGraph(dims: number): UsearchGraph {
    const { quantization, connectivity, expansionAdd, expansionSearch } = this.options;
    return new usearch.Index({
      dimensions: dims,
      metric: (quantization === 'b1' ? 'hamming' : 'cos') as MetricKind,
      quantization: quantization as ScalarKind,
      connectivity,
      expansion_add: expansionAdd,
      expansion_search: expansionSearch,
      multi: false,
    });
  }

  /** The normalized vector (less the b1 thresholds) into `out` at `offset`. */
  private encode(vector: ArrayLike<number>, out: Float32Array, offset: number): void {
    writeNormalized(vector, out, offset);
    const thresholds = this.thresholds;
    if (thresholds) for (let j = 0; j < thresholds.length; j++) out[offset + j] -= thresholds[j];
  }
}

/** Saves a graph to a temporary file, gives its path to `use`, and deletes it. */
function withSavedFile<T>(graph: UsearchGraph, use: (file: string) => T): T {
  const folder = mkdtempSync(join(tmpdir(), 'memopt-usearch-'));
  try {
    const file = join(folder, 'index.usearch');
    graph.save(file);
    return use(file);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
