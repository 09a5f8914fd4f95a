/**
 * A trace as a cache sees it, computed offline: which canonical key each search asks for, and which keys each
 * write invalidates under a given invalidation policy. Feeding the result to `versionedRequests` and then to
 * `beladyBound` / `infiniteCacheBound` gives the bounds for a cache with that same policy.
 *
 * The trace is replayed sequentially (operation i completes before i+1 starts): the bound ignores the in-flight
 * interleavings of a concurrent replay and TTL expiry, so for a TTL shorter than the replay it is an upper bound.
 *
 * Targeted invalidation is decided as SearchCache decides it: an add invalidates a cached search iff the new memory
 * matches its filter and enters its top-k (fewer than k results, or a score within `scoreMargin` of the last).
 */
import { dot, matchesFilter, norm, scoreFromDot } from '../memory/reference.mjs';
import type { SearchOptions } from '../memory/types.ts';
import type { CacheTraceEvent } from './belady.ts';
import { canonicalKey, normalizeQuery, type QueryNormalization } from '../parts/search-cache/keys.ts';
import type { InvalidationPolicy } from '../parts/search-cache/search-cache.ts';

/** The operations this needs; a trace's ops (src/datasets/traces.ts) fit. */
export type TraceEventOp =
  | { op: 'search'; text: string; options?: SearchOptions }
  | { op: 'add'; text: string; metadata?: Record<string, string | number | boolean> };

export interface TraceEventsOptions {
  /** Memories in the index before the trace starts. */
  preloaded: ReadonlyArray<{ text: string; metadata?: Record<string, unknown> }>;
  ops: readonly TraceEventOp[];
  /** The vector of a text (a memory's text, or a normalized query text). */
  vectorOf: (text: string) => ArrayLike<number>;
  invalidation: InvalidationPolicy;
  normalization?: QueryNormalization;
  defaultTopK?: number;
  scoreMargin?: number;
}

interface StoredMemory {
  vector: Float64Array;
  norm: number;
  metadata: Record<string, unknown> | undefined;
}

interface KeyState {
  query: Float64Array;
  queryNorm: number;
  topK: number;
  filter: SearchOptions['filter'];
  /** Scores of the current top-k, best first. */
  scores: number[];
}

export function cacheEventsForTrace(options: TraceEventsOptions): CacheTraceEvent[] {
  const normalization = options.normalization ?? {};
  const defaultTopK = options.defaultTopK ?? 5;
  const margin = options.scoreMargin ?? 1e-9;
  const memories: StoredMemory[] = options.preloaded.map((m) => store(options.vectorOf(m.text), m.metadata));
  const events: CacheTraceEvent[] = [];

  if (options.invalidation === 'generation') {
    for (const op of options.ops) {
      if (op.op === 'add') events.push({ kind: 'invalidate-all' });
      else events.push({ kind: 'get', key: canonicalKey(op.text, op.options, normalization, defaultTopK) });
    }
    return events;
  }

  const valid = new Map<string, KeyState>();
  const queryVectors = new Map<string, Float64Array>();
  for (const op of options.ops) {
    if (op.op === 'search') {
      const key = canonicalKey(op.text, op.options, normalization, defaultTopK);
      events.push({ kind: 'get', key });
      if (valid.has(key)) continue;
      const normalized = normalizeQuery(op.text, normalization);
      let query = queryVectors.get(normalized);
      if (!query) {
        query = Float64Array.from(options.vectorOf(normalized));
        queryVectors.set(normalized, query);
      }
      const state: KeyState = {
        query,
        queryNorm: norm(query),
        topK: op.options?.topK ?? defaultTopK,
        filter: op.options?.filter && Object.keys(op.options.filter).length > 0 ? op.options.filter : undefined,
        scores: [],
      };
      state.scores = topScores(state, memories);
      valid.set(key, state);
      continue;
    }
    const memory = store(options.vectorOf(op.text), op.metadata);
    memories.push(memory);
    for (const [key, state] of valid) {
      if (state.filter && !matchesFilter(memory.metadata, state.filter)) continue;
      const last = state.scores.length < state.topK ? Number.NEGATIVE_INFINITY : state.scores[state.scores.length - 1];
      if (score(state, memory) >= last - margin) {
        valid.delete(key);
        events.push({ kind: 'invalidate', key });
      }
    }
  }
  return events;
}

function store(vector: ArrayLike<number>, metadata: Record<string, unknown> | undefined): StoredMemory {
  const copy = Float64Array.from(vector);
  return { vector: copy, norm: norm(copy), metadata };
}

function topScores(state: KeyState, memories: readonly StoredMemory[]): number[] {
  const scores: number[] = [];
  for (const memory of memories) {
    if (state.filter && !matchesFilter(memory.metadata, state.filter)) continue;
    scores.push(score(state, memory));
  }
  scores.sort((a, b) => b - a);
  return scores.slice(0, state.topK);
}

function score(state: KeyState, memory: StoredMemory): number {
  const q = state.query;
  const v = memory.vector;
  return scoreFromDot(dot(v, q), memory.norm, state.queryNorm);
}
