import { z } from 'zod';
import { InputError } from '../errors.ts';
import { NaiveEmbedder } from '../parts/embeddings/index.ts';
import { loadDataset } from '../datasets/load.ts';
import { readTrace, type TraceOp, type TraceSearch } from '../datasets/traces.ts';
import { NaiveIndex } from '../parts/vector-index/naive-index.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import type {
  Embedder,
  EmbedderStats,
  Embedding,
  MemoryResult,
  SearchHit,
  SearchOptions,
  SearchResultCache,
  WriteEvent,
} from '../memory/types.ts';
import { embeddingFor } from '../endpoint/mock/index.ts';
import { LatencyRecorder } from '../harness/statistics.ts';
import type { DetailTable, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import {
  beladyBound,
  infiniteCacheBound,
  lruHitsForEvents,
  versionedRequests,
  type CacheTraceEvent,
} from '../parts/search-cache/belady.ts';
import { createSearchCaches } from '../parts/search-cache/cached-memory.ts';
import { QueryNormalizingEmbedder } from '../parts/search-cache/embedding-cache.ts';
import { measureHitCost } from '../parts/search-cache/hit-bench.ts';
import { canonicalKey, normalizeQuery } from '../parts/search-cache/keys.ts';
import { NaiveSearchCache, type NaiveSearchCacheStats } from '../parts/search-cache/naive-cache.ts';
import type { EmbeddingCacheStats, SearchCacheStats } from '../parts/search-cache/stats.ts';
import type { InvalidationPolicy } from '../parts/search-cache/search-cache.ts';
import { cacheEventsForTrace } from '../parts/search-cache/trace-events.ts';

/**
 * The search-trace workload: a memory pre-loaded with the first `preload` memories of a dataset replays a query
 * trace (searches and adds, see src/datasets/traces.ts) with `clients` concurrent async clients, each taking the
 * trace's next operation when its previous one has finished. The variant chooses the result cache: none, the
 * seed's naive cache, or memopt's SearchCache (with its query embedding cache).
 *
 * What goes through the mocked API: query embeddings only. Stored texts (pre-load and the trace's adds) are
 * embedded in-process by the mock's own model (`embeddingFor`): they cost the same in every variant and are not
 * what a search cache changes, so the ledger counts exactly the searches' requests and tokens.
 *
 * Query semantics are the same in every variant: the query is normalized (NFC, trimmed, whitespace collapsed, and
 * lower-cased when `caseFold`) before it is embedded, so all three variants answer the same question with the same
 * vector; only the SearchCache also uses that normalization for its keys. That is what makes their answers
 * comparable one to one.
 *
 * Stale check (outside the timed replay): every served result is compared with a fresh, uncached search over the
 * memory at the same point of the trace. A search that overlapped writes may legitimately reflect any generation
 * between its call and its return (it scanned at some instant in between), so it is stale only if it equals the
 * fresh result at none of them. Fresh results come from a reference index with every memory, filtered to the
 * memories that existed at that generation (the trace only adds), using the mock's vector for the query: no API.
 */
const workloadSchema = z
  .object({
    /** The trace to replay (JSONL, src/datasets/traces.ts). */
    trace: z.string().default('datasets/traces/search-default.jsonl'),
    /** Memories file; its first `preload` records are in the memory before the replay starts. */
    dataset: z.string().default('datasets/memories.jsonl'),
    preload: z.number().int().min(0).default(1_000),
    /** Concurrent clients replaying the trace in order. */
    clients: z.number().int().min(1).max(1_000).default(8),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().positive().optional(),
    /** Lower-case queries before embedding (and in SearchCache keys). */
    caseFold: z.boolean().default(true),
    /** Capacities for the bounds table (infinite, Belady, sequential LRU), besides the variant's own. */
    boundCapacities: z.array(z.number().int().positive()).default([50, 100, 200, 500, 1000]),
    /** Time a SearchCache hit with tinybench (SearchCache variant, first repetition). */
    measureHitCost: z.boolean().default(true),
  })
  .strict();

const variantSchema = z.discriminatedUnion('cache', [
  z.object({ cache: z.literal('none') }).strict(),
  z
    .object({
      cache: z.literal('naive'),
      maxEntries: z.number().int().positive().default(1000),
      ttlMs: z.number().int().min(0).default(300_000),
    })
    .strict(),
  z
    .object({
      cache: z.literal('search-cache'),
      maxEntries: z.number().int().positive().default(1000),
      maxSizeBytes: z.number().int().positive().optional(),
      ttlMs: z.number().int().min(0).default(0),
      invalidation: z.enum(['generation', 'targeted']).default('targeted'),
      embeddingCacheEntries: z.number().int().positive().default(10_000),
    })
    .strict(),
]);

export type SearchTraceWorkload = z.infer<typeof workloadSchema>;
export type SearchTraceVariant = z.infer<typeof variantSchema>;

const metrics: MetricSpec[] = [
  { name: 'hit_rate', unit: 'fraction', kind: 'counter', better: 'higher', description: '(hits + in-flight joins) / searches; a join costs no request, so it counts as a hit; 0 without a cache' },
  { name: 'infinite_cache_hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: "bound: every repeat a hit, under the SearchCache's invalidation policy (sequential replay)" },
  { name: 'belady_hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: "bound: Belady's optimal offline policy at the same capacity and invalidation policy (sequential replay)" },
  { name: 'belady_fraction', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'measured hit rate / Belady hit rate' },
  { name: 'lru_sequential_hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'what this LRU would hit on a sequential replay (the measured rate differs by concurrency)' },
  { name: 'stale_results', unit: 'searches', kind: 'counter', better: 'lower', description: 'served results equal to no fresh uncached result within the search (call to return)' },
  { name: 'ttl_violations', unit: 'searches', kind: 'counter', better: 'lower', description: 'results served from the cache more than their TTL after they were computed' },
  { name: 'api_requests', unit: 'requests', kind: 'counter', better: 'lower', description: 'embedding requests for queries the mocked API received' },
  { name: 'api_tokens', unit: 'tokens', kind: 'counter', better: 'lower', description: 'query tokens billed (cl100k_base)' },
  { name: 'api_cost_usd', unit: 'usd', kind: 'counter', better: 'lower', description: 'tokens x list price' },
  { name: 'search_errors', unit: 'searches', kind: 'counter', better: 'lower', description: 'searches that rejected' },
  { name: 'cache_hits', unit: 'searches', kind: 'counter', better: 'higher', description: 'served from a stored entry' },
  { name: 'inflight_joins', unit: 'searches', kind: 'counter', better: 'higher', description: 'joined a running identical search (SearchCache)' },
  { name: 'stale_rejects', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries refused because a write came after them (SearchCache)' },
  { name: 'invalidations', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries dropped by targeted invalidation (SearchCache)' },
  { name: 'evictions', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries dropped for capacity' },
  { name: 'expirations', unit: 'entries', kind: 'counter', better: 'lower', description: 'entries dropped at their TTL' },
  { name: 'embedding_cache_hit_rate', unit: 'fraction', kind: 'counter', better: 'higher', description: 'query embeddings served without a request, over those asked (SearchCache)' },
  { name: 'wall_time_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'first operation to last operation settled' },
  { name: 'latency_p50_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency, median' },
  { name: 'latency_p95_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency, 95th percentile' },
  { name: 'hit_cost_us', unit: 'us', kind: 'timing', better: 'lower', description: "a SearchCache hit's own work (tinybench, the trace's searches as keys)" },
];

interface Bounds {
  infinite: number;
  belady: number;
  lruSequential: number;
}

interface PreparedSearchTrace {
  workload: SearchTraceWorkload;
  ops: TraceOp[];
  searches: number;
  /** Adds in the trace. */
  adds: number;
  preload: Array<{ text: string; metadata: Record<string, string> | undefined }>;
  /** Vectors of every stored text (pre-load and adds), by text. */
  memoryVectors: Map<string, number[]>;
  /** Vectors of every normalized query text. */
  queryVectors: Map<string, number[]>;
  /** Id (as the memory assigns them: m0, m1, ... in call order) -> metadata, for every memory. */
  metadataById: Map<string, Record<string, unknown> | undefined>;
  /** Every memory ranked for a search key (lazily, shared by all runs: the final index is the same in each). */
  reference: { index: NaiveIndex; ranked: Map<string, SearchHit[]> };
  /** Bounds by "invalidation:capacity", computed once. */
  bounds: Map<string, Bounds>;
  events: Map<InvalidationPolicy, CacheTraceEvent[]>;
  hitCostUs?: number;
}

export const searchTraceDriver: WorkloadDriver<
  SearchTraceWorkload,
  SearchTraceVariant,
  PreparedSearchTrace,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>
> = {
  name: 'search-trace',
  workloadSchema,
  variantSchema,
  metrics,

  inputs: (workload) => [
    { kind: 'trace', path: workload.trace, field: 'workload.trace' },
    { kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.preload, field: 'workload.preload' } },
  ],
  async prepare(workload) {
    const [ops, records] = await Promise.all([readTrace(workload.trace), loadDataset(workload.dataset)]);
    if (records.length < workload.preload) {
      throw new InputError({ field: 'workload.preload' }, `asks for ${workload.preload} memories but ${workload.dataset} has ${records.length}`);
    }
    const normalization = { caseFold: workload.caseFold };
    // Plain number[] like the SDK's: a NaiveIndex scan slows down several times once it has also seen Float32Arrays.
    const vectorOf = (text: string) => Array.from(embeddingFor(text, workload.model, workload.dimensions));
    const preload = records.slice(0, workload.preload).map((r) => ({ text: r.text, metadata: r.topic ? { topic: r.topic } : undefined }));
    const memoryVectors = new Map<string, number[]>();
    const queryVectors = new Map<string, number[]>();
    const metadataById = new Map<string, Record<string, unknown> | undefined>();
    const reference = new NaiveIndex();
    let nextId = 0;
    const addMemory = (text: string, metadata: Record<string, unknown> | undefined) => {
      let vector = memoryVectors.get(text);
      if (!vector) memoryVectors.set(text, (vector = vectorOf(text)));
      const id = `m${nextId++}`;
      reference.add(id, vector);
      metadataById.set(id, metadata);
    };
    for (const m of preload) addMemory(m.text, m.metadata);
    let searches = 0;
    for (const op of ops) {
      if (op.op === 'add') addMemory(op.text, op.metadata);
      else {
        searches++;
        const normalized = normalizeQuery(op.text, normalization);
        if (!queryVectors.has(normalized)) queryVectors.set(normalized, vectorOf(normalized));
      }
    }
    return {
      workload,
      ops,
      searches,
      adds: ops.length - searches,
      preload,
      memoryVectors,
      queryVectors,
      metadataById,
      reference: { index: reference, ranked: new Map() },
      bounds: new Map(),
      events: new Map(),
    };
  },

  async run(prepared, params, context) {
    const { workload, ops } = prepared;
    const normalization = { caseFold: workload.caseFold };
    const client = context.mock.createClient();
    const api = new NaiveEmbedder({ client, model: workload.model, dimensions: workload.dimensions });
    const index = new NaiveIndex();
    const stored = new StoredTextEmbedder(prepared.memoryVectors, workload.model, workload.dimensions);

    let memory: MemorySystem | undefined;
    let inner: SearchResultCache | undefined;
    let queryEmbedder: Embedder;
    let searchCacheStats: (() => SearchCacheStats) | undefined;
    let embeddingStats: (() => EmbeddingCacheStats) | undefined;
    let naiveStats: (() => NaiveSearchCacheStats) | undefined;
    if (params.cache === 'search-cache') {
      const caches = createSearchCaches({
        embedder: api,
        index,
        record: (id) => memory?.get(id),
        normalization,
        cache: { maxEntries: params.maxEntries, maxSizeBytes: params.maxSizeBytes, ttlMs: params.ttlMs, invalidation: params.invalidation },
        embeddingCache: { maxEntries: params.embeddingCacheEntries },
      });
      inner = caches.cache;
      queryEmbedder = caches.embeddings;
      searchCacheStats = () => caches.cache.stats();
      embeddingStats = () => caches.embeddings.cacheStats();
    } else {
      queryEmbedder = new QueryNormalizingEmbedder(api, normalization);
      if (params.cache === 'naive') {
        const naive = new NaiveSearchCache({ maxEntries: params.maxEntries, ttlMs: params.ttlMs });
        inner = naive;
        naiveStats = () => naive.stats();
      }
    }
    const ttlMs = params.cache === 'none' ? 0 : params.ttlMs;
    const audit = new AuditedCache(inner);
    memory = new MemorySystem({ embedder: stored, queryEmbedder, index, cache: audit });
    for (const m of prepared.preload) await memory.add(m.text, m.metadata);

    // The timed replay.
    const served: Array<ServedSearch | undefined> = new Array(ops.length);
    const latency = new LatencyRecorder();
    let cursor = 0;
    let errors = 0;
    let firstError: unknown;
    let ttlViolations = 0;
    let worstOverrunMs = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (cursor < ops.length) {
        const i = cursor++;
        const op = ops[i];
        if (op.op === 'add') {
          await memory!.add(op.text, op.metadata);
          continue;
        }
        const generationAtCall = memory!.generation;
        const began = performance.now();
        try {
          const results = await memory!.search(op.text, op.options);
          const ended = performance.now();
          latency.record(ended - began);
          served[i] = { results, generationAtCall, generationAtReturn: memory!.generation };
          const bornAt = audit.bornAt.get(results);
          // Computed before this search began: it was served from the cache (a join finishes after its call).
          if (ttlMs > 0 && bornAt !== undefined && bornAt < began && began - bornAt > ttlMs) {
            ttlViolations++;
            worstOverrunMs = Math.max(worstOverrunMs, began - bornAt - ttlMs);
          }
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(workload.clients, ops.length) }, worker));
    const wallMs = performance.now() - t0;
    await api.close();
    if (errors > 0) context.log(`${errors} search(es) failed; first: ${(firstError as Error)?.message}`);
    if (ttlViolations > 0) context.log(`${ttlViolations} result(s) served past their TTL, the worst by ${worstOverrunMs.toFixed(1)} ms`);

    // Verification, outside the timed replay.
    const stale = countStale(prepared, served, audit.addedAt, normalization);
    if (params.cache === 'none' && stale > 0) {
      context.log(`warning: ${stale} uncached result(s) differ from the reference: the stale check itself is off`);
    }

    const ledger = context.mock.ledger.snapshot();
    const [p50, p95] = latency.percentiles([0.5, 0.95]);
    const result: MetricValues = {
      stale_results: stale,
      ttl_violations: ttlViolations,
      api_requests: ledger.requests,
      api_tokens: ledger.tokens,
      api_cost_usd: ledger.costUsd,
      search_errors: errors,
      wall_time_ms: wallMs,
      latency_p50_ms: p50,
      latency_p95_ms: p95,
      hit_rate: 0,
    };
    const details: DetailTable[] = [];
    if (naiveStats) {
      const s = naiveStats();
      Object.assign(result, { hit_rate: s.hitRate, cache_hits: s.hits, evictions: s.evictions, expirations: s.expirations });
    }
    if (searchCacheStats && embeddingStats && params.cache === 'search-cache') {
      const s = searchCacheStats();
      Object.assign(result, {
        hit_rate: s.hitRate,
        cache_hits: s.hits,
        inflight_joins: s.inflightJoins,
        stale_rejects: s.staleRejects,
        invalidations: s.invalidations,
        evictions: s.evictions,
        expirations: s.expirations,
        embedding_cache_hit_rate: embeddingStats().hitRate,
      });
      const bounds = boundsFor(prepared, params.invalidation, params.maxEntries);
      result.infinite_cache_hit_rate = bounds.infinite;
      result.belady_hit_rate = bounds.belady;
      result.lru_sequential_hit_rate = bounds.lruSequential;
      result.belady_fraction = bounds.belady > 0 ? s.hitRate / bounds.belady : Number.NaN;
      if (context.repetition === 0) {
        details.push(boundsTable(prepared, params.invalidation, params.maxEntries));
        if (workload.measureHitCost) {
          const distinct = distinctSearches(ops);
          prepared.hitCostUs ??= (await measureHitCost({ searches: distinct, normalization, ttlMs: params.ttlMs })).usPerHit;
        }
      }
      if (prepared.hitCostUs !== undefined) result.hit_cost_us = prepared.hitCostUs;
    }
    return { metrics: result, details };
  },
};

interface ServedSearch {
  results: readonly MemoryResult[];
  generationAtCall: number;
  generationAtReturn: number;
}

/**
 * Wraps a variant's cache (or none) so the driver sees what it needs and nothing changes for the variant: the
 * generation each memory was added at (from the write events) and when each computed result was born.
 */
class AuditedCache implements SearchResultCache {
  readonly addedAt = new Map<string, number>();
  readonly bornAt = new WeakMap<object, number>();
  constructor(private readonly inner: SearchResultCache | undefined) {}
  getOrCompute(query: string, options: SearchOptions, generation: number, compute: () => Promise<MemoryResult[]>): Promise<MemoryResult[]> {
    const timed = () =>
      compute().then((results) => {
        this.bornAt.set(results, performance.now());
        return results;
      });
    return this.inner ? this.inner.getOrCompute(query, options, generation, timed) : compute();
  }
  onWrite(event: WriteEvent): void {
    if (event.kind === 'add') this.addedAt.set(event.id, event.generation);
    this.inner?.onWrite(event);
  }
}

/** Embeds stored texts in-process with the mock's model (no API), from vectors computed once in prepare. */
class StoredTextEmbedder implements Embedder {
  private calls = 0;
  constructor(
    private readonly vectors: Map<string, number[]>,
    readonly model: string,
    readonly dimensions: number | undefined,
  ) {}
  embed(text: string): Promise<Embedding> {
    this.calls++;
    const vector = this.vectors.get(text) ?? Array.from(embeddingFor(text, this.model, this.dimensions));
    return Promise.resolve(vector);
  }
  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): EmbedderStats {
    return { textsRequested: this.calls, requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, peakQueueLength: 0 };
  }
}

/**
 * Served results equal to no fresh result at any generation within their search. Ids are the memory's own (m0,
 * m1, ... in call order, the same in every run since clients take operations in trace order and call add at
 * once), so the reference index built in prepare holds exactly the final memory; a memory is visible at generation
 * g iff its add event carried a generation <= g.
 */
function countStale(
  prepared: PreparedSearchTrace,
  served: ReadonlyArray<ServedSearch | undefined>,
  addedAt: ReadonlyMap<string, number>,
  normalization: { caseFold: boolean },
): number {
  let stale = 0;
  prepared.ops.forEach((op, i) => {
    const search = served[i];
    if (op.op !== 'search' || !search) return;
    const ranked = rankedFor(prepared, op, normalization);
    const topK = op.options?.topK ?? 5;
    for (let g = search.generationAtCall; g <= search.generationAtReturn; g++) {
      if (matchesFreshAt(search.results, ranked, g, topK, addedAt)) return;
    }
    stale++;
  });
  return stale;
}

function matchesFreshAt(
  results: readonly MemoryResult[],
  ranked: readonly SearchHit[],
  generation: number,
  topK: number,
  addedAt: ReadonlyMap<string, number>,
): boolean {
  let n = 0;
  for (const hit of ranked) {
    const added = addedAt.get(hit.id);
    if (added === undefined || added > generation) continue; // not in the memory yet at that generation
    const result = results[n];
    if (!result || result.id !== hit.id || result.score !== hit.score) return false;
    if (++n === topK) break;
  }
  return n === results.length;
}

/**
 * Every memory of the final index that matches the search's filter, best first, cut to topK + the trace's adds
 * (enough for any generation: at most that many are not yet visible). Computed once per key, shared by all runs.
 */
function rankedFor(prepared: PreparedSearchTrace, op: TraceSearch, normalization: { caseFold: boolean }): SearchHit[] {
  const key = canonicalKey(op.text, op.options, normalization);
  let ranked = prepared.reference.ranked.get(key);
  if (!ranked) {
    const index = prepared.reference.index;
    const all = index.search(prepared.queryVectors.get(normalizeQuery(op.text, normalization))!, index.size);
    const filter = op.options?.filter;
    const matching = filter
      ? all.filter((hit) => {
          const metadata = prepared.metadataById.get(hit.id) ?? {};
          for (const name in filter) if (metadata[name] !== filter[name]) return false;
          return true;
        })
      : all;
    ranked = matching.slice(0, (op.options?.topK ?? 5) + prepared.adds);
    prepared.reference.ranked.set(key, ranked);
  }
  return ranked;
}

function eventsFor(prepared: PreparedSearchTrace, invalidation: InvalidationPolicy): CacheTraceEvent[] {
  let events = prepared.events.get(invalidation);
  if (!events) {
    const { workload } = prepared;
    events = cacheEventsForTrace({
      preloaded: prepared.preload,
      ops: prepared.ops,
      vectorOf: (text) =>
        prepared.memoryVectors.get(text) ?? prepared.queryVectors.get(text) ?? Array.from(embeddingFor(text, workload.model, workload.dimensions)),
      invalidation,
      normalization: { caseFold: workload.caseFold },
    });
    prepared.events.set(invalidation, events);
  }
  return events;
}

function boundsFor(prepared: PreparedSearchTrace, invalidation: InvalidationPolicy, capacity: number): Bounds {
  const id = `${invalidation}:${capacity}`;
  let bounds = prepared.bounds.get(id);
  if (!bounds) {
    const events = eventsFor(prepared, invalidation);
    const requests = versionedRequests(events);
    bounds = {
      infinite: infiniteCacheBound(requests).hitRate,
      belady: beladyBound(requests, capacity).hitRate,
      lruSequential: lruHitsForEvents(events, capacity).hitRate,
    };
    prepared.bounds.set(id, bounds);
  }
  return bounds;
}

function boundsTable(prepared: PreparedSearchTrace, invalidation: InvalidationPolicy, capacity: number): DetailTable {
  const capacities = [...new Set([...prepared.workload.boundCapacities, capacity])].sort((a, b) => a - b);
  return {
    name: 'hit_rate_bounds',
    columns: ['invalidation', 'capacity', 'infinite_cache_hit_rate', 'belady_hit_rate', 'lru_sequential_hit_rate', 'lru_over_belady'],
    rows: capacities.map((c) => {
      const b = boundsFor(prepared, invalidation, c);
      return [invalidation, c, b.infinite, b.belady, b.lruSequential, b.belady > 0 ? b.lruSequential / b.belady : null];
    }),
  };
}

function distinctSearches(ops: readonly TraceOp[]): Array<{ text: string; options?: SearchOptions }> {
  const seen = new Set<string>();
  const out: Array<{ text: string; options?: SearchOptions }> = [];
  for (const op of ops) {
    if (op.op !== 'search') continue;
    const id = `${JSON.stringify(op.options ?? {})}\n${op.text}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ text: op.text, options: op.options });
  }
  return out;
}
