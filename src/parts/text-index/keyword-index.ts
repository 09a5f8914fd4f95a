/**
 * A keyword retriever behind the index contract: BM25+ over the memories' texts (MiniSearch 7.2), ignoring vectors.
 * MemorySystem gives it each memory's text (`attributes.text`) and each search's query text (search()'s fourth
 * argument) because it declares `usesText`.
 *
 * - One MiniSearch per namespace (a user's memories are a collection of their own): a search within a namespace
 *   reads only that user's postings, and its statistics (document count, average length, document frequencies) are
 *   that user's. A search without a namespace ranks every namespace's matches by their own statistics, merged.
 * - Ranking: MiniSearch's BM25+ term scores (defaults k 1.2, b 0.7, δ 0.5), summed over the query's terms, without
 *   MiniSearch's extra factor of the number of distinct query terms matched: plain, untuned BM25+ (a text's length is
 *   its number of distinct terms, as MiniSearch counts it). Terms: MiniSearch's
 *   default tokenizer (split on spaces and punctuation) and lower case; no stemming, no stop words, no prefix or
 *   fuzzy matching. Ties by id ascending, as every index. Only memories sharing a term with the query are returned.
 * - Writes are exact and immediate: an update removes the old text's postings (MiniSearch's `remove`, which
 *   mutates the index at once) before adding the new; automatic vacuuming (a background timer) is off, so scores
 *   never depend on when it ran.
 * - Metadata filters: the entries matching the filter (AttributeLists' inverted lists) restrict the results.
 */
import MiniSearch from 'minisearch';
import { compareHits } from '../../memory/reference.mjs';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { AttributeLists, restricts } from '../vector-index/attribute-lists.ts';

/** BM25+ parameters (MiniSearch's names): term-frequency saturation k, length normalization b, lower bound δ (d). */
export interface Bm25Params {
  k: number;
  b: number;
  d: number;
}

/** MiniSearch's defaults, used untuned. */
export const DEFAULT_BM25: Bm25Params = { k: 1.2, b: 0.7, d: 0.5 };

export interface KeywordIndexOptions {
  /** BM25+ parameters. Default DEFAULT_BM25. */
  bm25?: Partial<Bm25Params>;
}

interface KeywordDocument {
  id: string;
  text: string;
}

/** The bucket of entries without a namespace (a namespace is any string, so this key is not one a user can give). */
const NO_NAMESPACE = Symbol('no namespace');

export class KeywordIndex implements VectorIndex {
  readonly filtering = 'native';
  readonly usesText = true;
  /** Scores are BM25+, not cosines: no bound relates them to an exact cosine scan (targeted invalidation refuses it). */
  readonly scoreTolerance = undefined;
  readonly bm25: Bm25Params;
  private readonly buckets = new Map<string | typeof NO_NAMESPACE, MiniSearch<KeywordDocument>>();
  private readonly documents = new Map<string, { bucket: string | typeof NO_NAMESPACE; text: string }>();
  private readonly attributes = new AttributeLists();
  private dims: number | undefined;

  constructor(options: KeywordIndexOptions = {}) {
    this.bm25 = { ...DEFAULT_BM25, ...options.bm25 };
    const { k, b, d } = this.bm25;
    if (!(k > 0) || !(b >= 0 && b <= 1) || !(d >= 0)) {
      throw new RangeError(`KeywordIndex: expected bm25 k > 0, 0 <= b <= 1, d >= 0, found k ${k}, b ${b}, d ${d}`);
    }
  }

  /** Width of the vectors given (unused for ranking; kept so callers that read it see the memory's width). */
  get dimensions(): number | undefined {
    return this.dims;
  }

  get size(): number {
    return this.documents.size;
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    const text = attributes?.text;
    if (typeof text !== 'string') {
      throw new TypeError(`KeywordIndex.add('${id}'): expected the memory's text in attributes.text (MemorySystem gives it to an index with usesText)`);
    }
    this.dims ??= vector.length;
    this.remove(id);
    const bucket = attributes?.namespace ?? NO_NAMESPACE;
    let search = this.buckets.get(bucket);
    if (!search) this.buckets.set(bucket, (search = newMiniSearch(this.bm25)));
    search.add({ id, text });
    this.documents.set(id, { bucket, text });
    this.attributes.set(id, attributes);
  }

  remove(id: string): boolean {
    const stored = this.documents.get(id);
    if (!stored) return false;
    const search = this.buckets.get(stored.bucket)!;
    search.remove({ id, text: stored.text });
    if (search.documentCount === 0) this.buckets.delete(stored.bucket);
    this.documents.delete(id);
    this.attributes.delete(id);
    return true;
  }

  /** The k best memories for `queryText` by BM25+ (the vector is not used); none without a query text. */
  search(_vector: ArrayLike<number>, k: number, filter?: SearchFilter, queryText?: string): SearchHit[] {
    if (queryText === undefined || k <= 0) return [];
    return this.rank(queryText, filter).slice(0, k);
  }

  /** Every memory sharing a term with `queryText` that matches `filter`, best first. */
  rank(queryText: string, filter?: SearchFilter): SearchHit[] {
    const allowed = restricts(filter) && hasFields(filter?.metadata) ? new Set(this.attributes.matching(filter)) : undefined;
    const buckets =
      filter?.namespace !== undefined ? [this.buckets.get(filter.namespace)].filter((b) => b !== undefined) : [...this.buckets.values()];
    const hits: SearchHit[] = [];
    for (const search of buckets) {
      const results = search.search(queryText, allowed ? { filter: (result) => allowed.has(result.id as string) } : undefined);
      // MiniSearch multiplies the BM25+ sum by the number of distinct query terms matched; plain BM25+ is the sum.
      for (const result of results) hits.push({ id: result.id as string, score: result.score / Math.max(1, result.queryTerms.length) });
    }
    return hits.sort(compareHits);
  }

  /** The namespace and metadata stored for `id` (for a hybrid index's filtering), or undefined. */
  attributesOf(id: string): EntryAttributes | undefined {
    return this.attributes.get(id);
  }

  describe(): PartDescription {
    const { k, b, d } = this.bm25;
    return {
      kind: 'keyword',
      setting: `BM25+ k ${k} b ${b} d ${d} (MiniSearch), per namespace`,
      settings: { k, b, d, exact: false, library: 'minisearch', bytesSource: 'inverted index serialized to JSON (an estimate of what it holds)' },
    };
  }

  /**
   * An estimate: the inverted indexes serialized to JSON (UTF-8 bytes) plus the texts kept for exact removal.
   * MiniSearch's Maps and radix tree take more heap than their JSON; this is for comparisons, not an exact count.
   */
  memoryBytes(): number {
    let bytes = 0;
    for (const search of this.buckets.values()) bytes += Buffer.byteLength(JSON.stringify(search));
    for (const { text } of this.documents.values()) bytes += Buffer.byteLength(text);
    return bytes;
  }
}

function newMiniSearch(bm25: Bm25Params): MiniSearch<KeywordDocument> {
  return new MiniSearch<KeywordDocument>({ fields: ['text'], idField: 'id', autoVacuum: false, searchOptions: { bm25 } });
}

function hasFields(metadata: Record<string, unknown> | undefined): boolean {
  return metadata !== undefined && Object.keys(metadata).length > 0;
}
