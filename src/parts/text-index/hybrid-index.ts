/**
 * A hybrid retriever: any vector index and a keyword (BM25+) index over the same memories, their rankings fused by
 * reciprocal rank fusion (Cormack, Clarke and Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual
 * Rank Learning Methods", SIGIR 2009): a memory's score is the sum, over the rankings it appears in, of
 * 1 / (k + rank), rank counted from 1, with k = 60 as in the paper. Ranks alone are fused, so the two scores'
 * scales never meet.
 *
 * Each ranking is read to `depth` entries (default 100, at least the k asked); a memory absent from one ranking gets
 * nothing from it. Scores of the result are RRF scores, not cosines. Writes go to both indexes before the call
 * returns (a write without its text, or a vector the vector index refuses, leaves both unchanged).
 * Filters: both rankings are within the filter (the keyword index filters itself; a vector index that cannot is
 * read in full and its hits outside the filter dropped).
 */
import type { EntryAttributes, IndexCloseOptions, IndexFitReport, MaybePromise, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { compareHits, matchesSearchFilter } from '../../memory/reference.mjs';
import { isPromise } from '../../util/maybe-promise.ts';
import { restricts } from '../vector-index/attribute-lists.ts';
import { KeywordIndex, type KeywordIndexOptions } from './keyword-index.ts';

/** RRF's k, Cormack et al.'s value. */
export const DEFAULT_RRF_K = 60;
/** Entries read from each ranking. */
export const DEFAULT_FUSION_DEPTH = 100;

/**
 * Reciprocal rank fusion of rankings (each best first): score(d) = Σ 1 / (k + rank of d), rank from 1. Best first,
 * equal scores by id ascending; at most `limit` hits.
 */
export function reciprocalRankFusion(rankings: readonly (readonly SearchHit[])[], k: number = DEFAULT_RRF_K, limit = Number.POSITIVE_INFINITY): SearchHit[] {
  if (!(k >= 0)) throw new RangeError(`reciprocalRankFusion: expected k >= 0, found ${k}`);
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    const seen = new Set<string>();
    ranking.forEach((hit, i) => {
      // A ranking names each memory once; a repeat (a broken ranking) would count twice, so only the first counts.
      if (seen.has(hit.id)) return;
      seen.add(hit.id);
      scores.set(hit.id, (scores.get(hit.id) ?? 0) + 1 / (k + i + 1));
    });
  }
  const fused = [...scores].map(([id, score]) => ({ id, score }));
  fused.sort(compareHits);
  return fused.slice(0, Math.max(0, limit));
}

export interface HybridIndexOptions {
  /** The vector index (any kind); the hybrid owns it (close() closes it). */
  vector: VectorIndex;
  /** The keyword side's options (BM25+ parameters). */
  keyword?: KeywordIndexOptions;
  /** RRF's k. Default 60. */
  rrfK?: number;
  /** Entries read from each ranking (at least the k of a search). Default 100. */
  depth?: number;
}

export class HybridIndex implements VectorIndex {
  readonly filtering = 'native';
  readonly usesText = true;
  /** RRF scores are not cosines: no bound relates them to an exact scan (targeted invalidation refuses it). */
  readonly scoreTolerance = undefined;
  readonly vector: VectorIndex;
  readonly keyword: KeywordIndex;
  readonly rrfK: number;
  readonly depth: number;

  constructor(options: HybridIndexOptions) {
    this.vector = options.vector;
    this.keyword = new KeywordIndex(options.keyword);
    this.rrfK = options.rrfK ?? DEFAULT_RRF_K;
    this.depth = options.depth ?? DEFAULT_FUSION_DEPTH;
    if (!(this.rrfK >= 0)) throw new RangeError(`HybridIndex: expected rrfK >= 0, found ${this.rrfK}`);
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError(`HybridIndex: expected depth to be an integer >= 1, found ${this.depth}`);
  }

  get dimensions(): number | undefined {
    return this.vector.dimensions;
  }

  get size(): number {
    return this.keyword.size;
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): MaybePromise<void> {
    if (typeof attributes?.text !== 'string') {
      throw new TypeError(`HybridIndex.add('${id}'): expected the memory's text in attributes.text (MemorySystem gives it to an index with usesText)`);
    }
    // The vector index first: a vector it refuses (a wrong width) leaves the keyword side unchanged too.
    const added = this.vector.add(id, vector, withoutText(attributes));
    if (isPromise(added)) return added.then(() => this.keyword.add(id, vector, attributes));
    this.keyword.add(id, vector, attributes);
  }

  remove(id: string): MaybePromise<boolean> {
    const had = this.keyword.remove(id);
    const removed = this.vector.remove(id);
    return isPromise(removed) ? removed.then((r) => r || had) : removed || had;
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter, queryText?: string): MaybePromise<SearchHit[]> {
    if (k <= 0) return [];
    const depth = Math.max(k, this.depth);
    const keywordHits = queryText === undefined ? [] : this.keyword.rank(queryText, filter).slice(0, depth);
    const fuse = (vectorHits: SearchHit[]) => reciprocalRankFusion([vectorHits, keywordHits], this.rrfK, k);
    const vectorHits = this.vectorRanking(vector, depth, filter);
    return isPromise(vectorHits) ? vectorHits.then(fuse) : fuse(vectorHits);
  }

  /** The vector index's ranking within the filter, to `depth` entries. */
  private vectorRanking(vector: ArrayLike<number>, depth: number, filter: SearchFilter | undefined): MaybePromise<SearchHit[]> {
    if (!restricts(filter) || this.vector.filtering === 'native') return this.vector.search(vector, depth, filter);
    const keep = (hits: SearchHit[]) => hits.filter((hit) => matchesSearchFilter(this.keyword.attributesOf(hit.id), filter!)).slice(0, depth);
    const all = this.vector.search(vector, this.vector.size);
    return isPromise(all) ? all.then(keep) : keep(all);
  }

  fit(sample: readonly ArrayLike<number>[]): MaybePromise<IndexFitReport | void> {
    return this.vector.fit?.(sample);
  }

  build(): MaybePromise<void> {
    return this.vector.build?.();
  }

  setSearchParams(settings: Record<string, number>): void {
    if (Object.keys(settings).length === 0) return;
    if (!this.vector.setSearchParams) throw new RangeError(`HybridIndex.setSearchParams: its vector index has no search-time settings (given ${Object.keys(settings).join(', ')})`);
    this.vector.setSearchParams(settings);
  }

  describe(): PartDescription {
    const inner = this.vector.describe?.() ?? { kind: 'custom', setting: '', settings: {} };
    const keyword = this.keyword.describe();
    return {
      kind: 'hybrid',
      setting: `RRF k ${this.rrfK} depth ${this.depth} of ${inner.kind}${inner.setting ? ` (${inner.setting})` : ''} + ${keyword.setting}`,
      settings: {
        rrfK: this.rrfK,
        depth: this.depth,
        vectorKind: inner.kind,
        vectorSetting: inner.setting,
        keywordSetting: keyword.setting,
        exact: false,
        bytesSource: `vector index: ${String(inner.settings.bytesSource ?? 'as it reports')}; keyword index: ${String(keyword.settings.bytesSource)}`,
      },
    };
  }

  memoryBytes(): MaybePromise<number> {
    const inner = this.vector.memoryBytes();
    const keyword = this.keyword.memoryBytes();
    return isPromise(inner) ? inner.then((bytes) => bytes + keyword) : inner + keyword;
  }

  externalBytes(): MaybePromise<number> {
    return this.vector.externalBytes?.() ?? 0;
  }

  stats(): Record<string, number> {
    return { ...this.vector.stats?.() };
  }

  close(options?: IndexCloseOptions): MaybePromise<void> {
    return this.vector.close?.(options);
  }
}

function withoutText(attributes: EntryAttributes | undefined): EntryAttributes | undefined {
  if (attributes?.text === undefined) return attributes;
  const { text: _text, ...rest } = attributes;
  return rest;
}
