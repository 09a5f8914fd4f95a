/**
 * A semantic tier in front of memopt's SearchCache: a query the exact tier has not seen may be answered with the
 * cached result of a similar query, when a threshold policy (threshold-policy.ts) and an optional guard
 * (query-guard.ts) allow it.
 *
 * How a lookup goes:
 * 1. The exact tier (the SearchCache, canonical keys) holds or is computing this very query: it answers (no embedding
 *    request, no search).
 * 2. Otherwise the query is embedded through the query embedder, the EmbeddingCache the memory's search uses too, so
 *    the request is made once whether the query is then served or searched. The exact tier is asked again (another
 *    caller may have started the same query meanwhile).
 * 3. The nearest cached query in the same scope (canonical options: namespace, filter, topK) by cosine is the
 *    candidate. A guard refusal, or the policy's 'miss', searches afresh; 'hit' serves the candidate's result (no
 *    search); 'verify' searches afresh, compares the fresh result with the candidate's, records that observation on
 *    the candidate (the adaptive policy learns from it) and answers with the fresh result. A share `verifyShare` of
 *    would-be hits is verified the same way, whatever the policy, so a fixed threshold's error is measured online too.
 * 4. A fresh search goes through the exact tier, which stores it; the query then becomes a candidate itself.
 *
 * Invalidation stays exact. The semantic index holds no results, only pointers (query, options, vector) to the
 * exact tier's entries: a candidate is considered only while the exact tier would serve it (`peek`), so a write
 * that evicts an entry (targeted invalidation, or a generation floor) evicts its semantic use with it, and a
 * semantic hit serves exactly what an exact hit on the candidate's query would. A semantic hit can be a false hit
 * (another query's answer), never a stale one.
 *
 * The semantic index is a flat scan of the scope's pointers (per namespace: tens to hundreds of queries); a pointer
 * whose entry is gone is dropped when a scan meets it, its observations kept (bounded) in case the query returns.
 */
import { LRUCache } from 'lru-cache';
import type { Embedder, MemoryResult, PartDescription, SearchOptions, SearchResultCache, WriteEvent } from '../../memory/types.ts';
import { DEFAULT_TOP_K } from '../../memory/memory-system.ts';
import { canonicalOptions, normalizeQuery, type QueryNormalization } from './keys.ts';
import { guardRefusal, type GuardReason } from './query-guard.ts';
import type { SearchCache } from './search-cache.ts';
import { ratio } from './stats.ts';
import { EntryObservations, type SemanticDecision, type ThresholdPolicy } from './threshold-policy.ts';
import type { AnswerMatch, SemanticLookup } from './semantic-lookup.ts';

export type { AnswerMatch, SemanticLookup } from './semantic-lookup.ts';

export interface SemanticSearchCacheOptions {
  /** The exact tier: answers repeated queries, holds every result, decides invalidation. */
  exact: SearchCache;
  /** The query embedder the memory searches with (the EmbeddingCache), so a query is embedded once. */
  embedder: Embedder;
  policy: ThresholdPolicy;
  /** Refuse hits between queries that differ in numbers, named entities or negation. Default false. */
  guard?: boolean;
  /** Names the guard treats as entities in a scope's queries (the user's contacts), by namespace. Default none. */
  knownNames?: (namespace: string | undefined) => readonly string[];
  /** Share of would-be hits verified against a fresh search, in [0, 1]. Default 0. */
  verifyShare?: number;
  /** Uniform [0, 1) source for verification and exploration draws; seed it. Required when either can happen. */
  random?: () => number;
  /** Default 'ids-set'. */
  answerMatch?: AnswerMatch;
  /** Must match the exact tier's and the embedder's. Default: no case folding. */
  normalization?: QueryNormalization;
  defaultTopK?: number;
  /** Observations kept for queries whose entry is gone (in case they return). Default 10,000. */
  retainedObservations?: number;
  /** Called once per lookup with what it did. */
  onLookup?: (lookup: SemanticLookup) => void;
  /**
   * Where verified observations are kept: 'entry' (default, vCache's per-entry thresholds) or 'global' (one pool for
   * every entry: one threshold learned online, like vCache's global variant).
   */
  observations?: 'entry' | 'global';
}

export interface SemanticCacheStats {
  lookups: number;
  /** Answered by the exact tier (a stored entry or a running computation of the same query). */
  exactHits: number;
  /** Answered with another query's cached result. */
  semanticHits: number;
  /** Candidates checked against a fresh search (the adaptive policy's explorations and the verified share). */
  verifications: number;
  /** Verifications that found the candidate's answer wrong (a false hit avoided, and counted). */
  verificationsWrong: number;
  /** Fresh searches without a verification. */
  misses: number;
  /** Candidates the guard refused. */
  guardRefusals: number;
  /** Lookups that reached the semantic tier with a candidate. */
  candidates: number;
  /** Pointers held now. */
  semanticEntries: number;
  /** The CacheStats view: hits = exactHits + semanticHits; misses = every fresh search. */
  hits: number;
  hitRate: number;
}

interface Pointer {
  query: string;
  options: SearchOptions;
  vector: Float64Array;
  observations: EntryObservations;
}

export class SemanticSearchCache implements SearchResultCache {
  private readonly exact: SearchCache;
  private readonly embedder: Embedder;
  private readonly policy: ThresholdPolicy;
  private readonly guard: boolean;
  private readonly knownNames: ((namespace: string | undefined) => readonly string[]) | undefined;
  private readonly verifyShare: number;
  private readonly random: () => number;
  private readonly answerMatch: AnswerMatch;
  private readonly normalization: QueryNormalization;
  private readonly defaultTopK: number;
  private readonly onLookup: ((lookup: SemanticLookup) => void) | undefined;
  /** Scope (canonical options) -> normalized query -> pointer. */
  private readonly scopes = new Map<string, Map<string, Pointer>>();
  private readonly retained: LRUCache<string, EntryObservations>;
  private readonly pooled: EntryObservations | undefined;
  private readonly counts = { lookups: 0, exactHits: 0, semanticHits: 0, verifications: 0, verificationsWrong: 0, misses: 0, guardRefusals: 0, candidates: 0 };

  constructor(options: SemanticSearchCacheOptions) {
    this.exact = options.exact;
    this.embedder = options.embedder;
    this.policy = options.policy;
    this.guard = options.guard ?? false;
    this.knownNames = options.knownNames;
    this.verifyShare = options.verifyShare ?? 0;
    if (!(this.verifyShare >= 0 && this.verifyShare <= 1)) throw new RangeError(`SemanticSearchCache: verifyShare must be in [0, 1], found ${this.verifyShare}`);
    const needsRandom = this.verifyShare > 0 || this.policy.kind === 'adaptive';
    if (needsRandom && !options.random) throw new RangeError('SemanticSearchCache: a seeded `random` is required for verification or an adaptive policy');
    this.random = options.random ?? (() => 1);
    this.answerMatch = options.answerMatch ?? 'ids-set';
    this.normalization = options.normalization ?? {};
    this.defaultTopK = options.defaultTopK ?? DEFAULT_TOP_K;
    this.onLookup = options.onLookup;
    this.retained = new LRUCache({ max: options.retainedObservations ?? 10_000 });
    this.pooled = options.observations === 'global' ? new EntryObservations() : undefined;
  }

  getOrCompute(query: string, options: SearchOptions, generation: number, compute: () => Promise<MemoryResult[]>): Promise<MemoryResult[]> {
    this.counts.lookups++;
    if (this.exactAnswers(query, options)) return this.answerExact(query, options, generation, compute);
    return this.lookupSemantic(query, options, generation, compute);
  }

  onWrite(event: WriteEvent): void {
    // Pointers follow the exact tier's entries: its invalidation is theirs.
    this.exact.onWrite(event);
  }

  /** Drops every entry, pointer and observation. */
  clear(): void {
    this.exact.clear();
    this.scopes.clear();
    this.retained.clear();
  }

  stats(): SemanticCacheStats {
    const c = this.counts;
    let semanticEntries = 0;
    for (const scope of this.scopes.values()) semanticEntries += scope.size;
    const hits = c.exactHits + c.semanticHits;
    return { ...c, semanticEntries, hits, hitRate: ratio(hits, c.lookups) };
  }

  describe(): PartDescription {
    const setting = `${this.policy.setting}${this.guard ? ' + guard' : ''}${this.verifyShare > 0 ? `, verify ${this.verifyShare}` : ''}`;
    return { kind: 'semantic', setting, settings: { policy: this.policy.kind, observations: this.pooled ? 'global' : 'entry', guard: this.guard, verifyShare: this.verifyShare, answerMatch: this.answerMatch } };
  }

  private exactAnswers(query: string, options: SearchOptions): boolean {
    return this.exact.peek(query, options) !== undefined || this.exact.isComputing(query, options);
  }

  private answerExact(query: string, options: SearchOptions, generation: number, compute: () => Promise<MemoryResult[]>): Promise<MemoryResult[]> {
    this.counts.exactHits++;
    this.onLookup?.({ query, options, outcome: 'exact' });
    return this.exact.getOrCompute(query, options, generation, compute);
  }

  private async lookupSemantic(query: string, options: SearchOptions, generation: number, compute: () => Promise<MemoryResult[]>): Promise<MemoryResult[]> {
    const embedded = await this.embedder.embed(query);
    if (this.exactAnswers(query, options)) return this.answerExact(query, options, generation, compute);
    const vector = unit(embedded);
    const scope = canonicalOptions(options, this.defaultTopK);
    const normalized = normalizeQuery(query, this.normalization);
    const nearest = this.nearest(scope, normalized, vector);
    if (!nearest) {
      this.counts.misses++;
      this.onLookup?.({ query, options, outcome: 'miss' });
      return this.searchAndIndex(query, options, generation, compute, scope, normalized, vector);
    }
    this.counts.candidates++;
    const { pointer, similarity, results: cached } = nearest;
    const refusal = this.guard ? guardRefusal(pointer.query, query, this.namesOf(options.namespace)) : undefined;
    let decision: SemanticDecision = refusal ? 'miss' : this.policy.decide(similarity, pointer.observations, this.random);
    if (decision === 'hit' && this.verifyShare > 0 && this.random() < this.verifyShare) decision = 'verify';
    const seen = { query, options, candidate: pointer.query, similarity, decision, ...(refusal ? { guard: refusal } : {}) };
    if (refusal) this.counts.guardRefusals++;
    if (decision === 'hit') {
      this.counts.semanticHits++;
      this.onLookup?.({ ...seen, outcome: 'semantic' });
      return cached as MemoryResult[];
    }
    if (decision === 'miss') {
      this.counts.misses++;
      this.onLookup?.({ ...seen, outcome: 'miss' });
      return this.searchAndIndex(query, options, generation, compute, scope, normalized, vector);
    }
    this.counts.verifications++;
    // As vCache does, a query whose verification confirms the candidate does not become a candidate itself: the
    // candidate keeps answering its neighbourhood and gathers the observations its threshold is learned from (the
    // exact tier still stores the fresh result for exact repeats).
    const fresh = await this.exact.getOrCompute(query, options, generation, compute);
    // Learn only if the candidate's answer is still the one it would serve now (no write changed it meanwhile).
    let verifiedCorrect: boolean | undefined;
    if (this.exact.peek(pointer.query, pointer.options) === cached) {
      verifiedCorrect = sameAnswer(cached, fresh, this.answerMatch);
      pointer.observations.add(similarity, verifiedCorrect);
      if (!verifiedCorrect) this.counts.verificationsWrong++;
    }
    if (verifiedCorrect !== true) this.indexIfStored(query, options, fresh, scope, normalized, vector);
    this.onLookup?.({ ...seen, outcome: 'verified', ...(verifiedCorrect !== undefined ? { verifiedCorrect } : {}) });
    return fresh;
  }

  /** A fresh search through the exact tier; once the exact tier holds its result, the query becomes a candidate. */
  private async searchAndIndex(
    query: string,
    options: SearchOptions,
    generation: number,
    compute: () => Promise<MemoryResult[]>,
    scope: string,
    normalized: string,
    vector: Float64Array,
  ): Promise<MemoryResult[]> {
    const results = await this.exact.getOrCompute(query, options, generation, compute);
    this.indexIfStored(query, options, results, scope, normalized, vector);
    return results;
  }

  /** Makes a query a candidate once the exact tier holds its result. */
  private indexIfStored(query: string, options: SearchOptions, results: readonly MemoryResult[], scope: string, normalized: string, vector: Float64Array): void {
    if (this.exact.peek(query, options) === results) {
      let pointers = this.scopes.get(scope);
      if (!pointers) this.scopes.set(scope, (pointers = new Map()));
      const existing = pointers.get(normalized);
      if (existing) existing.vector = vector;
      else pointers.set(normalized, { query, options, vector, observations: this.pooled ?? this.retained.get(normalized + '\u0000' + scope) ?? new EntryObservations() });
    }
  }

  /** The most similar servable pointer of the scope (ties: the first indexed), dropping pointers whose entry is gone. */
  private nearest(scope: string, normalized: string, vector: Float64Array): { pointer: Pointer; similarity: number; results: readonly MemoryResult[] } | undefined {
    const pointers = this.scopes.get(scope);
    if (!pointers) return undefined;
    let best: { pointer: Pointer; similarity: number; results: readonly MemoryResult[] } | undefined;
    for (const [key, pointer] of pointers) {
      if (key === normalized) continue;
      const results = this.exact.peek(pointer.query, pointer.options);
      if (results === undefined) {
        if (!this.exact.isComputing(pointer.query, pointer.options)) {
          pointers.delete(key);
          if (!this.pooled && pointer.observations.count > 0) this.retained.set(key + '\u0000' + scope, pointer.observations);
        }
        continue;
      }
      const similarity = dot(vector, pointer.vector);
      if (!best || similarity > best.similarity) best = { pointer, similarity, results };
    }
    return best;
  }

  private namesOf(namespace: string | undefined): ReadonlySet<string> {
    return new Set((this.knownNames?.(namespace) ?? []).map((n) => n.toLowerCase()));
  }
}

/** Whether two results are the same answer (see AnswerMatch). */
export function sameAnswer(a: readonly MemoryResult[], b: readonly MemoryResult[], match: AnswerMatch = 'ids-set'): boolean {
  if (a.length !== b.length) return false;
  if (match === 'ids-ordered') return a.every((r, i) => r.id === b[i].id);
  const ids = new Set(a.map((r) => r.id));
  return b.every((r) => ids.has(r.id));
}

function unit(v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < v.length; i++) out[i] = v[i] * scale;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return -1;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
