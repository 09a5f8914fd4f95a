/**
 * The semantic-cache workload: how often a cache answers a query it has not seen in the same words, and how often
 * that answer is wrong, on labelled paraphrases and adversarial near-misses (src/datasets/semantic-pairs.ts).
 *
 * One replay: the labelled pairs, shuffled by the seed, each asked as two searches in its namespace (the `cached`
 * query, then the `asked` one), with a rewrite every `writeEvery` searches (a memory deleted and added again: a new
 * id, so every cached result that held it, or that it now enters, must go). Every search goes through a MemorySystem
 * (FlatIndex, per-user namespaces) with the variant's cache, and is then checked against a fresh exact search:
 * - a hit (exact or semantic) whose result ids (as a set) differ from the fresh top-k of the query asked is a false
 *   hit; `false_hit_upper95` is the Wilson 95% upper bound of false hits / hits;
 * - a hit whose result differs (ids in order) from a fresh search of the query that computed it is stale.
 * Per pair kind (table `pair_kinds`), the second search of each pair: served semantically, falsely, and whether its
 * fresh answer really differs from the first query's (a near-miss whose answer is the same cannot be a false hit).
 *
 * On the optimized side's first repetition the replay is repeated for every fixed threshold and error bound of
 * `workload.sweep`, with and without the guard (table `sweep`, charted: hit rate against the false-hit rate's upper
 * bound, one curve per policy, the bound drawn), and the variant again with its guard switched (table `pair_kinds`
 * rows of both). Vectors: the mock's (the endpoint's reference model) or the shipped USE-lite vectors of these texts
 * (datasets/vectors/semantic/). Every counter is a function of the seed: searches run one at a time.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { ADVERSARIAL_KINDS, generateSemanticWorkload, semanticWorkloadTexts, type PairKind, type SemanticWorkloadData } from '../datasets/semantic-pairs.ts';
import { ShippedVectors, SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import type { DetailTable, InputDeclaration, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import { MemorySystem, type SearchStatus } from '../memory/memory-system.ts';
import type { MemoryResult, SearchResultCache } from '../memory/types.ts';
import { cacheParamsSchema, createCache, createIndex, type CacheParams } from '../parts/registry.ts';
import type { SemanticLookup } from '../parts/search-cache/semantic-lookup.ts';
import { PrecomputedEmbedder } from '../measure/precomputed-embedder.ts';
import { referenceFloat32, referenceOf } from '../measure/reference-vectors.ts';
import { createRng } from '../util/rng.ts';
import { wilsonInterval } from '../util/proportion.ts';

/** Where the shipped USE-lite vectors of the semantic workload live. */
export const SEMANTIC_VECTORS_DIR = join(SHIPPED_VECTORS_DIR, 'semantic');

const workloadSchema = z
  .object({
    /** 'mock': the endpoint's reference model; 'use-lite': the shipped real vectors of these texts. */
    vectors: z.enum(['mock', 'use-lite']).default('mock'),
    /** Users (namespaces). The shipped USE-lite vectors cover up to 16 at seed 42. */
    users: z.number().int().min(2),
    people: z.number().int().min(4).max(20).default(6),
    /** Most pairs of each kind (paraphrase and every adversarial kind). */
    pairsPerKind: z.number().int().min(1),
    /** Results per search. 1: the answer an agent reads; at 3, on USE-lite, 56% of paraphrase pairs already have different fresh top-3 sets. */
    topK: z.number().int().min(1).default(1),
    /** A rewrite (delete + add of one memory) every this many searches; 0: none. */
    writeEvery: z.number().int().min(0).default(25),
    model: z.string().default('text-embedding-3-small'),
    sweep: z
      .object({
        thresholds: z.array(z.number().min(-1).max(1)).default([]),
        errorBounds: z.array(z.number().gt(0).lt(1)).default([]),
      })
      .strict()
      .default({ thresholds: [], errorBounds: [] }),
    /** The bound drawn on the chart and used to pick the best fixed threshold. */
    bound: z.number().gt(0).lt(1).default(0.01),
  })
  .strict();

export type SemanticCacheWorkload = z.output<typeof workloadSchema>;

const metrics: MetricSpec[] = [
  { name: 'lookups', unit: 'searches', kind: 'counter', better: 'higher', description: 'searches replayed' },
  { name: 'hit_rate', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'searches answered without a fresh search (exact or semantic) / searches' },
  { name: 'semantic_hits', unit: 'searches', kind: 'counter', better: 'higher', description: "searches answered with another query's cached result" },
  { name: 'false_hits', unit: 'searches', kind: 'counter', better: 'lower', description: "hits whose result ids (as a set) differ from a fresh exact search's top-k for the query asked" },
  { name: 'false_hit_rate', unit: 'fraction', kind: 'ratio', better: 'lower', description: 'false hits / hits' },
  { name: 'false_hit_upper95', unit: 'fraction', kind: 'ratio', better: 'lower', description: 'Wilson 95% upper bound of false hits / hits' },
  { name: 'semantic_false_hit_upper95', unit: 'fraction', kind: 'ratio', better: 'lower', description: 'Wilson 95% upper bound of false hits / semantic hits (1 with no semantic hit)' },
  { name: 'stale_results', unit: 'searches', kind: 'counter', better: 'lower', description: 'hits whose result differs from a fresh search of the query that computed it (a write it missed)' },
  { name: 'searches', unit: 'searches', kind: 'counter', better: 'lower', description: 'fresh index searches the cache let through (verifications included)' },
  { name: 'searches_saved', unit: 'searches', kind: 'counter', better: 'higher', description: 'searches - fresh searches: index searches the cache saved against no cache' },
  { name: 'embedding_requests', unit: 'texts', kind: 'counter', better: 'lower', description: 'query texts sent to the embedder behind the caches' },
  { name: 'verifications', unit: 'searches', kind: 'counter', better: 'lower', description: 'candidates checked against a fresh search (adaptive exploration, verified share)' },
  { name: 'guard_refusals', unit: 'searches', kind: 'counter', better: 'lower', description: 'candidates the guard refused' },
  { name: 'adversarial_pairs', unit: 'pairs', kind: 'counter', better: 'higher', description: 'adversarial pairs replayed (every kind but paraphrase)' },
  { name: 'adversarial_false_hits', unit: 'searches', kind: 'counter', better: 'lower', description: 'false hits on the second search of adversarial pairs' },
  { name: 'adversarial_false_upper95', unit: 'fraction', kind: 'ratio', better: 'lower', description: 'Wilson 95% upper bound of adversarial false hits / adversarial pairs' },
  { name: 'paraphrases_served', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'paraphrase pairs whose second search the exact tier missed and the semantic tier served / those the exact tier missed' },
  { name: 'adaptive_vs_best_fixed', unit: 'x', kind: 'ratio', better: 'higher', only: 'optimized', description: "the variant's hit rate / the best fixed threshold's (same guard) whose false-hit upper bound stays within the bound (sweep)" },
  { name: 'adaptive_vs_best_fixed_semantic', unit: 'x', kind: 'ratio', better: 'higher', only: 'optimized', description: 'the same ratio on semantic hits alone' },
  { name: 'replay_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'wall time of the replayed searches (the checks against fresh searches excluded)' },
];

export type Op = { kind: 'search'; text: string; namespace: string; pair: number; second: boolean } | { kind: 'rewrite'; namespace: string; memory: number };

export interface PreparedSemantic {
  workload: SemanticCacheWorkload;
  data: SemanticWorkloadData;
  vectors: Map<string, Float32Array>;
  /** The same vectors as plain arrays, for the replay's PrecomputedEmbedders (which would copy anything else). */
  entries: Array<readonly [string, number[]]>;
  ops: Op[];
}

export interface ReplayCounts {
  lookups: number;
  hits: number;
  semanticHits: number;
  falseHits: number;
  semanticFalseHits: number;
  stale: number;
  searches: number;
  embeddingRequests: number;
  verifications: number;
  guardRefusals: number;
  replayMs: number;
  kinds: Map<PairKind, { pairs: number; exactMissed: number; semantic: number; falseHits: number; answerDiffers: number }>;
}

export const semanticCacheDriver: WorkloadDriver<SemanticCacheWorkload, CacheParams, PreparedSemantic, z.input<typeof workloadSchema>, z.input<typeof cacheParamsSchema>> = {
  name: 'semantic-cache',
  workloadSchema,
  variantSchema: cacheParamsSchema,
  metrics,

  inputs: (workload): InputDeclaration[] =>
    workload.vectors === 'use-lite' ? [{ kind: 'vectors', path: join(SEMANTIC_VECTORS_DIR, 'use-lite.f16.npy'), field: 'workload.vectors' }] : [],

  async prepare(workload, { seed, endpoint }) {
    const data = generateSemanticWorkload({ seed, users: workload.users, people: workload.people, pairsPerKind: workload.pairsPerKind });
    const texts = semanticWorkloadTexts(data);
    const vectors = new Map<string, Float32Array>();
    if (workload.vectors === 'use-lite') {
      const shipped = await ShippedVectors.load('use-lite', SEMANTIC_VECTORS_DIR);
      for (const text of texts) {
        const v = shipped.vectorFor(text);
        if (!v) {
          throw new InputError(
            { field: 'workload.vectors' },
            `the shipped use-lite vectors (${SEMANTIC_VECTORS_DIR}) have no row for ${JSON.stringify(text)}: they cover seed 42 and up to 16 users (scripts/embed-semantic-pairs.ts makes others)`,
          );
        }
        vectors.set(text, v);
      }
    } else {
      const reference = referenceOf(endpoint, 'semantic-cache');
      for (const text of texts) vectors.set(text, await referenceFloat32(reference, text, workload.model));
    }
    const entries = [...vectors].map(([text, v]) => [text, Array.from(v)] as const);
    return { workload, data, vectors, entries, ops: planOps(data, workload, seed) };
  },

  async run(prepared, params, context) {
    const { workload } = prepared;
    const counts = await replay(prepared, params);
    const result = metricsOf(counts);
    const details: DetailTable[] = [];
    if (context.side === 'optimized' && context.repetition === 0 && params.cache === 'semantic') {
      const kinds: DetailTable['rows'] = kindRows(label(params), counts);
      const switched = { ...params, guard: !params.guard };
      kindRows(label(switched), await replay(prepared, switched)).forEach((row) => kinds.push(row));
      details.push({ name: 'pair_kinds', columns: KIND_COLUMNS, rows: kinds });
      if (workload.sweep.thresholds.length + workload.sweep.errorBounds.length > 0) {
        context.log(`sweep: ${workload.sweep.thresholds.length} thresholds, ${workload.sweep.errorBounds.length} error bounds, with and without the guard`);
        const sweep = await runSweep(prepared, params);
        details.push(sweep.table);
        sweep.kinds.forEach((row) => kinds.push(row));
        const best = sweep.bestFixed.get(params.guard);
        if (best) {
          result.adaptive_vs_best_fixed = best.hitRate > 0 ? result.hit_rate / best.hitRate : Number.POSITIVE_INFINITY;
          result.adaptive_vs_best_fixed_semantic = best.semanticHits > 0 ? counts.semanticHits / best.semanticHits : Number.POSITIVE_INFINITY;
          context.note?.('semantic-cache:best_fixed', { guard: params.guard, threshold: best.threshold, hitRate: best.hitRate, semanticHits: best.semanticHits });
        }
      }
    }
    return { metrics: result, details };
  },
};

/** The searches and rewrites of one replay: pairs shuffled, each asked as two searches, a rewrite every writeEvery searches. */
function planOps(data: SemanticWorkloadData, workload: SemanticCacheWorkload, seed: number): Op[] {
  const rng = createRng(seed).fork('semantic-cache-ops');
  const order = data.pairs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const ops: Op[] = [];
  let searches = 0;
  const search = (op: Op) => {
    ops.push(op);
    searches++;
    if (workload.writeEvery > 0 && searches % workload.writeEvery === 0) {
      const ns = data.namespaces[rng.int(0, data.namespaces.length - 1)];
      ops.push({ kind: 'rewrite', namespace: ns.name, memory: rng.int(0, ns.memories.length - 1) });
    }
  };
  for (const p of order) {
    const pair = data.pairs[p];
    search({ kind: 'search', text: pair.cached.text, namespace: pair.cached.namespace, pair: p, second: false });
    search({ kind: 'search', text: pair.asked.text, namespace: pair.asked.namespace, pair: p, second: true });
  }
  return ops;
}

export interface ReplayOptions {
  /** Wraps the built cache (tests break one on purpose to show the counters catch it). */
  wrapCache?: (cache: SearchResultCache) => SearchResultCache;
}

/** Replays the ops through a memory with the cache of `params`; every search checked against fresh searches. */
export async function replay(prepared: PreparedSemantic, params: CacheParams, options: ReplayOptions = {}): Promise<ReplayCounts> {
  const { data, vectors, workload } = prepared;
  const vectorOf = (text: string) => vectors.get(text)!;
  const entries = prepared.entries;
  const storeEmbedder = new PrecomputedEmbedder(entries);
  const queryApi = new PrecomputedEmbedder(entries);
  const index = await createIndex({ index: 'flat' });
  let memory: MemorySystem | undefined;
  const names = new Map(data.namespaces.map((ns) => [ns.name, ns.knownNames]));
  const watched: { last?: SemanticLookup } = {};
  const built = await createCache(params, {
    embedder: queryApi,
    index,
    record: (id) => memory?.get(id),
    knownNames: (namespace) => (namespace !== undefined ? (names.get(namespace) ?? []) : []),
    onSemanticLookup: (lookup) => void (watched.last = lookup),
  });
  const cache = built.cache && options.wrapCache ? options.wrapCache(built.cache) : built.cache;
  memory = new MemorySystem({ embedder: storeEmbedder, queryEmbedder: built.queryEmbedder, index, cache });
  // Memory ids by namespace and position, so a rewrite knows which id to delete.
  const ids = new Map<string, string[]>();
  for (const ns of data.namespaces) ids.set(ns.name, await memory.addMany(ns.memories.map((text) => ({ text, namespace: ns.name, vector: vectorOf(text) }))));

  const counts: ReplayCounts = { lookups: 0, hits: 0, semanticHits: 0, falseHits: 0, semanticFalseHits: 0, stale: 0, searches: 0, embeddingRequests: 0, verifications: 0, guardRefusals: 0, replayMs: 0, kinds: new Map() };
  const fresh = (text: string, namespace: string) => memory!.searchByVector(vectorOf(text), { namespace, topK: workload.topK });
  const computedBefore = memory.stats().computedSearches;
  for (const op of prepared.ops) {
    if (op.kind === 'rewrite') {
      const list = ids.get(op.namespace)!;
      const text = data.namespaces.find((ns) => ns.name === op.namespace)!.memories[op.memory];
      await memory.delete(list[op.memory]);
      list[op.memory] = await memory.add(text, undefined, { namespace: op.namespace });
      continue;
    }
    watched.last = undefined;
    const status = {} as SearchStatus;
    const options = { namespace: op.namespace, topK: workload.topK };
    const started = performance.now();
    const results = await memory.search(op.text, options, status);
    counts.replayMs += performance.now() - started;
    counts.lookups++;
    const hit = !status.computed;
    const lookup = lastOf(watched);
    const semantic = lookup?.outcome === 'semantic';
    let falseHit = false;
    if (hit) {
      counts.hits++;
      if (semantic) counts.semanticHits++;
      falseHit = !sameIds(results, await fresh(op.text, op.namespace), false);
      if (falseHit) counts.falseHits++;
      if (falseHit && semantic) counts.semanticFalseHits++;
      const servedBy = semantic ? lookup!.candidate! : op.text;
      if (!sameIds(results, await fresh(servedBy, op.namespace), true)) counts.stale++;
    }
    if (op.second) {
      const pair = data.pairs[op.pair];
      const k = counts.kinds.get(pair.kind) ?? { pairs: 0, exactMissed: 0, semantic: 0, falseHits: 0, answerDiffers: 0 };
      k.pairs++;
      if (!(hit && !semantic)) k.exactMissed++;
      if (semantic) k.semantic++;
      if (falseHit) k.falseHits++;
      if (!sameIds(await fresh(pair.cached.text, pair.cached.namespace), await fresh(op.text, op.namespace), false)) k.answerDiffers++;
      counts.kinds.set(pair.kind, k);
    }
  }
  counts.searches = memory.stats().computedSearches - computedBefore;
  counts.embeddingRequests = queryApi.stats().textsRequested;
  const stats = (built.cache?.stats?.() ?? {}) as Record<string, number>;
  counts.verifications = stats.verifications ?? 0;
  counts.guardRefusals = stats.guardRefusals ?? 0;
  return counts;
}

/** The lookup a search reported (read through a call: the callback sets it while the search runs). */
function lastOf(watched: { last?: SemanticLookup }): SemanticLookup | undefined {
  return watched.last;
}

function sameIds(a: readonly MemoryResult[], b: readonly MemoryResult[], ordered: boolean): boolean {
  if (a.length !== b.length) return false;
  if (ordered) return a.every((r, i) => r.id === b[i].id);
  const set = new Set(a.map((r) => r.id));
  return b.every((r) => set.has(r.id));
}

export function metricsOf(c: ReplayCounts): MetricValues {
  let adversarialPairs = 0;
  let adversarialFalse = 0;
  for (const kind of ADVERSARIAL_KINDS) {
    const k = c.kinds.get(kind);
    adversarialPairs += k?.pairs ?? 0;
    adversarialFalse += k?.falseHits ?? 0;
  }
  const para = c.kinds.get('paraphrase');
  return {
    lookups: c.lookups,
    hit_rate: c.lookups === 0 ? 0 : c.hits / c.lookups,
    semantic_hits: c.semanticHits,
    false_hits: c.falseHits,
    false_hit_rate: c.hits === 0 ? 0 : c.falseHits / c.hits,
    false_hit_upper95: wilsonInterval(c.falseHits, c.hits).upper,
    semantic_false_hit_upper95: wilsonInterval(c.semanticFalseHits, c.semanticHits).upper,
    stale_results: c.stale,
    searches: c.searches,
    searches_saved: c.lookups - c.searches,
    embedding_requests: c.embeddingRequests,
    verifications: c.verifications,
    guard_refusals: c.guardRefusals,
    adversarial_pairs: adversarialPairs,
    adversarial_false_hits: adversarialFalse,
    adversarial_false_upper95: wilsonInterval(adversarialFalse, adversarialPairs).upper,
    paraphrases_served: para && para.exactMissed > 0 ? para.semantic / para.exactMissed : 0,
    replay_ms: c.replayMs,
  };
}

const KIND_COLUMNS = ['config', 'kind', 'pairs', 'answer_differs', 'exact_missed', 'semantic_hits', 'false_hits', 'false_hit_upper95'];

function kindRows(config: string, c: ReplayCounts): DetailTable['rows'] {
  return (['paraphrase', ...ADVERSARIAL_KINDS] as PairKind[]).map((kind) => {
    const k = c.kinds.get(kind) ?? { pairs: 0, exactMissed: 0, semantic: 0, falseHits: 0, answerDiffers: 0 };
    return [config, kind, k.pairs, k.answerDiffers, k.exactMissed, k.semantic, k.falseHits, wilsonInterval(k.falseHits, k.pairs).upper];
  });
}

function label(params: CacheParams): string {
  if (params.cache !== 'semantic') return params.cache;
  const policy = params.policy === 'fixed' ? `fixed ${params.threshold}` : `adaptive ${params.errorBound}`;
  return `${policy}${params.guard ? ' + guard' : ''}`;
}

const SWEEP_COLUMNS = ['policy', 'guard', 'setting', 'hit_rate', 'semantic_hits', 'false_hits', 'false_hit_rate', 'false_hit_upper95', 'semantic_false_hit_upper95', 'adversarial_false_hits', 'paraphrases_served', 'stale_results', 'bound', 'fixed_upper95', 'fixed_guard_upper95', 'adaptive_upper95', 'adaptive_guard_upper95'];

/** Every fixed threshold and error bound, with and without the guard; the best fixed threshold within the bound per guard setting. */
async function runSweep(prepared: PreparedSemantic, variant: Extract<CacheParams, { cache: 'semantic' }>) {
  const { workload } = prepared;
  const rows: DetailTable['rows'] = [];
  const kinds: DetailTable['rows'] = [];
  const bestFixed = new Map<boolean, { threshold: number; hitRate: number; semanticHits: number }>();
  for (const guard of [false, true]) {
    const configs: Array<Extract<CacheParams, { cache: 'semantic' }>> = [
      ...workload.sweep.thresholds.map((threshold) => ({ ...variant, policy: 'fixed' as const, threshold, guard })),
      ...workload.sweep.errorBounds.map((errorBound) => ({ ...variant, policy: 'adaptive' as const, errorBound, guard })),
    ];
    for (const config of configs) {
      const counts = await replay(prepared, config);
      kindRows(`sweep: ${label(config)}`, counts).forEach((row) => kinds.push(row));
      const m = metricsOf(counts);
      const setting = config.policy === 'fixed' ? config.threshold : config.errorBound;
      const column = `${config.policy}${guard ? '_guard' : ''}_upper95`;
      const curves = Object.fromEntries(['fixed_upper95', 'fixed_guard_upper95', 'adaptive_upper95', 'adaptive_guard_upper95'].map((c) => [c, c === column ? m.false_hit_upper95 : null]));
      rows.push([
        config.policy,
        guard,
        setting,
        m.hit_rate,
        m.semantic_hits,
        m.false_hits,
        m.false_hit_rate,
        m.false_hit_upper95,
        m.semantic_false_hit_upper95,
        m.adversarial_false_hits,
        m.paraphrases_served,
        m.stale_results,
        workload.bound,
        curves.fixed_upper95,
        curves.fixed_guard_upper95,
        curves.adaptive_upper95,
        curves.adaptive_guard_upper95,
      ]);
      if (config.policy === 'fixed' && m.false_hit_upper95 <= workload.bound) {
        const best = bestFixed.get(guard);
        if (!best || m.hit_rate > best.hitRate) bestFixed.set(guard, { threshold: config.threshold, hitRate: m.hit_rate, semanticHits: m.semantic_hits });
      }
    }
  }
  const table: DetailTable = {
    name: 'sweep',
    columns: SWEEP_COLUMNS,
    rows,
    chart: {
      type: 'line',
      id: 'threshold-sweep',
      title: 'Semantic cache: hit rate against the false-hit rate (Wilson 95% upper bound)',
      caption:
        'Each point is one replay of the labelled pairs at one fixed threshold or error bound; the dashed line is the bound. A policy is within the bound where its curve stays below the line.',
      x: { column: 'hit_rate', title: 'hit rate (exact + semantic)', format: '.0%' },
      y: { title: 'false hits / hits, 95% upper bound', format: '.1%' },
      series: [
        { name: 'fixed threshold', column: 'fixed_upper95', style: 'measured', rows: 'first' },
        { name: 'fixed threshold + guard', column: 'fixed_guard_upper95', style: 'measured', rows: 'first' },
        { name: 'adaptive (vCache)', column: 'adaptive_upper95', style: 'measured', rows: 'first' },
        { name: 'adaptive (vCache) + guard', column: 'adaptive_guard_upper95', style: 'measured', rows: 'first' },
        { name: 'bound {value}', ceiling: 'bound', digits: 3 },
      ],
    },
  };
  return { table, bestFixed, kinds };
}
