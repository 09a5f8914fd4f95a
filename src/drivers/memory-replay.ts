import { z } from 'zod';
import { readAgentTrace, type AgentTraceEntry } from '../datasets/agent-trace.ts';
import type { MemoryResult } from '../memory/types.ts';
import { cosine } from '../memory/reference.mjs';
import { buildMemory, memoryPipelineSchema, type MemoryPipeline, type PartFactory, type PipelineEnvironment } from '../parts/pipeline.ts';
import { createEmbedder, createIndex, StoreConnections, postgresVariablesOf, type IndexParams } from '../parts/registry.ts';
import { normalizeQuery } from '../parts/search-cache/keys.ts';
import { exactTokens } from '../parts/embeddings/tokens.ts';
import { BATCH_API_PRICES_USD_PER_MILLION_TOKENS, LIST_PRICES_USD_PER_MILLION_TOKENS } from '../endpoint/emulated-api/models.ts';
import { InOrderEmbedder } from '../measure/in-order-embedder.ts';
import { CallOrder, inOrderPart } from '../measure/call-order.ts';
import { LatencyRecorder, percentiles } from '../measure/latency.ts';
import { endpointVectors, PREPARE_INPUTS_PER_REQUEST, PREPARE_MAX_RETRIES } from '../measure/vector-checks.ts';
import { partStatsTable } from '../measure/part-stats.ts';
import { planUserSteps } from '../measure/user-steps.ts';
import { computeReplayReference, recallAgainstExact, type ExactHit, type ReplayReference } from '../measure/replay-reference.ts';
import { pairedBootstrapInterval, RELEVANCE_KS, RelevanceTally, wilsonInterval } from '../measure/relevance.ts';
import { settle } from '../util/maybe-promise.ts';
import { createRng } from '../util/rng.ts';
import type { ApiRequestContext, ApiRequestPlan, ChartHint, DetailTable, MetricSpec, MetricValues, RunContext, WorkloadDriver } from '../harness/types.ts';
import type { Embedder, VectorIndex } from '../memory/types.ts';

/**
 * The memory-replay workload: an agent-memory trace (src/datasets/agent-trace.ts: users' adds, updates, deletes and
 * searches) replayed through one whole memory stack per variant, built from pipeline params by `buildMemory`
 * (`{ embedder, cache, index }`, each registry params or a factory): the naive stack (one request per text, no cache,
 * exact scan, one user at a time) against an optimized one (batching, the search cache, a compressed index or
 * pgvector, `users` users at once). Everything the memory embeds, stored texts and queries, goes through the run's
 * endpoint, so requests, tokens and cost are what remembering the conversation costs.
 *
 * Virtual time: the trace's `at` is the memory's clock (cache TTLs, `computedAt`); the replay never sleeps for a gap.
 * Concurrency (src/measure/user-steps.ts): each step runs the next operation of up to `users` distinct users at once
 * and waits for them; within a user operations run in trace order, so a write is committed before that user's next
 * search. Each user is a namespace, and every search is filtered to its user (plus the operation's metadata filter).
 * The memory's clock during a step is the latest `at` among its operations. Embedding answers are handed back in
 * call order (src/measure/in-order-embedder.ts), so which texts share a batch and what a cache holds reproduce:
 * every counter below is exact, and only the timings vary.
 *
 * Checked at every search, against the trace (not the stack): a result that is another user's memory
 * (`cross_user_results`), or a memory deleted or not at its current text (`stale_results`); against the exact
 * reference (src/measure/replay-reference.ts, exact cosine over reference vectors of the memory as it stands):
 * recall@10; against the trace's `relevant` labels: recall_any / recall_all @1,5,10,20 and NDCG@10. At the end, every
 * memory the trace leaves live must be in the stack at its current text (and in its index), and none it deleted:
 * `lost_writes`.
 *
 * Every search asks for max(k, relevanceDepth) results so relevance is measured to depth 20; what an agent would
 * put in its prompt is the first k (the operation's own), whose tokens are `context_tokens_per_search`.
 */
const workloadSchema = z
  .object({
    /** The agent-memory trace (JSONL, src/datasets/agent-trace.ts). `memopt run --trace FILE` replaces it. */
    trace: z.string().min(1),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().positive().optional(),
    /** The model whose list and Batch API prices cost is given at (a real local model has none). */
    priceModel: z.string().default('text-embedding-3-small'),
    /** Results asked of every search: max(k, this), so relevance is measured at k up to 20. */
    relevanceDepth: z.number().int().min(1).max(1000).default(20),
    /**
     * An index with fit() (sq8, compressed, binary) is fitted before the replay on the reference vectors of the
     * trace's first `fitSample` distinct written texts (the memory starts empty; a deployment fits on a sample too).
     */
    fitSample: z.number().int().min(1).default(1000),
    /** Lower-case queries before embedding (the memory's query normalization, in every stack alike). */
    caseFold: z.boolean().default(false),
    /**
     * Replay only the operations of the trace's first `maxUsers` users (by their first operation), each user's
     * stream whole. Default: every user.
     */
    maxUsers: z.number().int().min(1).optional(),
    /**
     * More stacks replayed for their relevance alone (e.g. vector, keyword and hybrid memories), once, after the
     * optimized side's first repetition, `relevanceUsers` users at once; reported in the `stack_relevance` table.
     */
    relevanceStacks: z.array(z.object({ label: z.string().min(1), stack: memoryPipelineSchema }).strict()).default([]),
    relevanceUsers: z.number().int().min(1).max(10_000).default(16),
    /**
     * The label (among relevanceStacks) of a fused stack (hybrid) whose recall_any@10 is compared with the best of
     * the others: `fused_recall_any_at_10_margin`, with a paired bootstrap interval in the table.
     */
    fusedLabel: z.string().optional(),
    /** Points of the cost and latency curves over the replay. */
    progressPoints: z.number().int().min(2).max(100).default(10),
  })
  .strict();

const variantSchema = z
  .object({
    /** The memory stack: `{ embedder, cache, index }` as buildMemory takes them (params or factories). */
    stack: memoryPipelineSchema,
    /** Users whose operations run at once (see src/measure/user-steps.ts). 1: one operation at a time. */
    users: z.number().int().min(1).max(10_000).default(1),
  })
  .strict();

export type MemoryReplayWorkload = z.output<typeof workloadSchema>;
export type MemoryReplayVariant = z.output<typeof variantSchema>;

const RELEVANCE_METRICS: MetricSpec[] = [
  ...RELEVANCE_KS.map(
    (k): MetricSpec => ({ name: `recall_any_at_${k}`, unit: 'fraction', kind: 'ratio', better: 'higher', description: `labelled searches with a relevant memory among the first ${k} results` }),
  ),
  ...RELEVANCE_KS.map(
    (k): MetricSpec => ({ name: `recall_all_at_${k}`, unit: 'fraction', kind: 'ratio', better: 'higher', description: `labelled searches with every relevant memory among the first ${k} results` }),
  ),
  { name: 'ndcg_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'NDCG@10 against the relevant labels (binary gains), mean over labelled searches' },
];

const metrics: MetricSpec[] = [
  { name: 'api_requests', unit: 'requests', kind: 'counter', better: 'lower', class: 'exact', description: 'embedding requests the endpoint received (stored texts and queries)' },
  { name: 'api_tokens', unit: 'tokens', kind: 'counter', better: 'lower', class: 'exact', description: 'tokens billed for them' },
  { name: 'cost_usd', unit: 'usd', kind: 'counter', better: 'lower', class: 'exact', description: "api_tokens at the list price of workload.priceModel" },
  { name: 'cost_batch_api_usd', unit: 'usd', kind: 'counter', better: 'lower', class: 'exact', description: "api_tokens at the Batch API price of workload.priceModel (half the list price)" },
  { name: 'cache_hit_rate', unit: 'fraction', kind: 'counter', better: 'higher', class: 'exact', description: "searches the result cache answered (hits + in-flight joins) / searches; 0 without a cache" },
  { name: 'cache_hit_rate_bound', unit: 'fraction', kind: 'ratio', better: 'higher', class: 'exact', description: "the trace's ceiling for a result cache invalidated per user: searches repeating (same user, query, k and filter) one asked since that user's last write, / searches" },
  { name: 'cache_hit_shortfall', unit: 'fraction', kind: 'ratio', better: 'lower', class: 'exact', description: "cache_hit_rate_bound - cache_hit_rate (0 or below: the cache answered every search the trace lets a never-stale per-user cache answer; the bound itself without a cache)" },
  { name: 'index_bytes', unit: 'bytes', kind: 'counter', better: 'lower', class: 'exact', description: "the index's memoryBytes() after the replay" },
  { name: 'stale_results', unit: 'results', kind: 'counter', better: 'lower', class: 'exact', description: 'results that were a deleted memory, or a memory not at its current text (after an update)' },
  { name: 'cross_user_results', unit: 'results', kind: 'counter', better: 'lower', class: 'exact', description: "results that were another user's memory" },
  { name: 'lost_writes', unit: 'memories', kind: 'counter', better: 'lower', class: 'exact', description: 'after the replay: memories the trace leaves live that the stack lacks (or holds at an older text, or not in its index), and deleted ones it still holds' },
  { name: 'write_errors', unit: 'operations', kind: 'counter', better: 'lower', class: 'exact', description: 'adds, updates and deletes that rejected' },
  { name: 'search_errors', unit: 'searches', kind: 'counter', better: 'lower', class: 'exact', description: 'searches that rejected' },
  { name: 'recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', class: 'exact', description: "the first 10 results against exact search over the user's memory as it stands (ties at the cut-off count), mean over searches" },
  ...RELEVANCE_METRICS,
  { name: 'recall_any_at_10_drop', unit: 'fraction', kind: 'ratio', better: 'lower', class: 'exact', description: "exact search's recall_any@10 (the reference, what the naive exact stack reaches) minus this stack's" },
  { name: 'fused_recall_any_at_10_margin', unit: 'fraction', kind: 'ratio', better: 'higher', class: 'exact', only: 'optimized', description: "workload.relevanceStacks: the fused (hybrid) stack's recall_any@10 minus the best of the other relevance stacks' (paired 95% bootstrap interval in stack_relevance)" },
  { name: 'context_tokens_per_search', unit: 'tokens', kind: 'ratio', better: 'lower', class: 'exact', description: "tokens of the first k results' texts (k: the search's own), mean over searches: what an agent puts in its prompt" },
  { name: 'history_tokens_per_search', unit: 'tokens', kind: 'ratio', better: 'lower', class: 'exact', description: "tokens of everything the user wrote before the search (the whole history), mean over searches" },
  { name: 'context_to_history_ratio', unit: 'fraction', kind: 'ratio', better: 'lower', class: 'exact', description: 'context_tokens_per_search / history_tokens_per_search' },
  { name: 'wall_time_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'the whole replay: first operation to last settled (progress readings excluded)' },
  { name: 'latency_p50_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency while writes go on, median' },
  { name: 'latency_p95_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency, 95th percentile' },
  { name: 'latency_p99_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-search latency, 99th percentile' },
];

interface PreparedReplay {
  workload: MemoryReplayWorkload;
  entries: AgentTraceEntry[];
  reference: ReplayReference;
  memoryVectors: Map<string, number[]>;
  queryVectors: Map<string, number[]>;
  /** Reference vectors of the first fitSample distinct written texts. */
  fitSample: number[][];
  adds: number;
  tokens: Map<string, number>;
  /** The trace's hit-rate ceiling for a cache invalidated at each of the user's writes (see the metric). */
  cacheHitRateBound: number;
  /** Exact search's relevance (the reference stack), for recall_any_at_10_drop and the relevance table. */
  exactRelevance: Record<string, number>;
  stores: StoreConnections;
}

export const RELEVANCE_CHART: ChartHint = {
  type: 'line',
  id: 'relevance',
  title: 'Relevance: recall_any@k against the trace labels',
  caption: 'share of labelled searches with a relevant memory among the first k results, per stack, beside exact search over the same memory',
  x: { column: 'k', title: 'k (results)', scale: 'linear', integer: true },
  y: { title: 'recall_any@k', domain: [0, 1] },
  series: [
    { name: 'baseline stack', column: 'baseline_recall_any', style: 'measured' },
    { name: 'optimized stack', column: 'optimized_recall_any', style: 'measured' },
    { name: 'exact search (reference)', column: 'exact_recall_any', style: 'bound' },
  ],
};

export const COST_CHART: ChartHint = {
  type: 'line',
  id: 'cost',
  title: 'Embedding cost over the replay',
  caption: 'list-price cost of the embedding requests so far, per stack, against trace operations replayed',
  x: { column: 'operations', title: 'operations replayed', scale: 'linear', integer: true },
  y: { title: 'cost so far (USD, list price)' },
  series: [
    { name: 'baseline stack', column: 'baseline_cost_usd', style: 'measured' },
    { name: 'optimized stack', column: 'optimized_cost_usd', style: 'measured' },
  ],
};

export const LATENCY_CHART: ChartHint = {
  type: 'line',
  id: 'p95',
  title: 'Search latency p95 over the replay',
  caption: 'p95 of the searches in each stretch of the replay (writes going on), per stack; real time, single runs: read the shape',
  x: { column: 'operations', title: 'operations replayed', scale: 'linear', integer: true },
  y: { title: 'search latency p95 (ms)' },
  series: [
    { name: 'baseline stack', column: 'baseline_p95_ms', style: 'measured' },
    { name: 'optimized stack', column: 'optimized_p95_ms', style: 'measured' },
  ],
};

export const memoryReplayDriver: WorkloadDriver<MemoryReplayWorkload, MemoryReplayVariant, PreparedReplay, z.input<typeof workloadSchema>, z.input<typeof variantSchema>> = {
  name: 'memory-replay',
  workloadSchema,
  variantSchema,
  metrics,
  takesAgentTrace: true,
  apiRequests: replayApiRequests,
  inputs: (workload, variants) => [
    { kind: 'agent-trace', path: workload.trace, field: 'workload.trace' },
    ...(['baseline', 'optimized'] as const).flatMap((side) => {
      const index = (variants?.[side] as MemoryReplayVariant | undefined)?.stack?.index;
      return index && typeof index !== 'function'
        ? postgresVariablesOf(index as IndexParams).map((connectionEnv) => ({ kind: 'postgres' as const, connectionEnv, field: `${side}.params.stack.index.connectionEnv` }))
        : [];
    }),
  ],
  async release(prepared) {
    await prepared.stores.close();
  },

  async prepare(workload, { endpoint, postgres }) {
    const entries = firstUsers(await readAgentTrace(workload.trace), workload.maxUsers);
    const normalization = { caseFold: workload.caseFold };
    const written: string[] = [];
    const queries: string[] = [];
    let adds = 0;
    for (const { op } of entries) {
      if (op.op === 'add' || op.op === 'update') written.push(op.text);
      if (op.op === 'add') adds++;
      if (op.op === 'search') queries.push(normalizeQuery(op.text, normalization));
    }
    const vectors = await endpointVectors(endpoint, [...written, ...queries], workload.model, workload.dimensions);
    const memoryVectors = new Map(written.map((t) => [t, vectors.get(t)!]));
    const queryVectors = new Map(queries.map((t) => [t, vectors.get(t)!]));
    const tokens = new Map<string, number>();
    const tokensOf = (text: string) => {
      let n = tokens.get(text);
      if (n === undefined) tokens.set(text, (n = exactTokens(text)));
      return n;
    };
    const reference = computeReplayReference(entries, {
      memoryVector: (text) => memoryVectors.get(text)!,
      queryVector: (text) => queryVectors.get(normalizeQuery(text, normalization))!,
      depth: workload.relevanceDepth,
      tokens: tokensOf,
    });
    const exactTally = new RelevanceTally();
    for (const search of reference.searches.values()) {
      if (search.relevant.size > 0) exactTally.add(search.exact.map((h) => h.id), search.relevant);
    }
    const fitSample = [...new Set(written)].slice(0, workload.fitSample).map((t) => memoryVectors.get(t)!);
    for (const text of written) tokensOf(text);
    return {
      workload,
      entries,
      reference,
      memoryVectors,
      queryVectors,
      fitSample,
      adds,
      tokens,
      exactRelevance: exactTally.means(),
      cacheHitRateBound: cacheHitRateBound(entries, workload),
      stores: new StoreConnections(postgres),
    };
  },

  async run(prepared, params, context) {
    const { output } = await replay(prepared, params, context);
    const { workload } = prepared;
    if (workload.relevanceStacks.length > 0 && context.side === 'optimized' && context.repetition === 0 && !context.sweep && !context.compressedTime) {
      const table = await relevanceStacksTable(prepared, context);
      output.details!.push(table.details);
      if (table.margin !== undefined) output.metrics.fused_recall_any_at_10_margin = table.margin;
    }
    return output;
  },
};

/** What one search served, kept for the checks after the replay. */
interface ServedSearch {
  index: number;
  /** Valid results (the user's, current), as trace ids with their exact scores, in the served order. */
  valid: ExactHit[];
  /** Tokens of the first k results (k: the search's own). */
  contextTokens: number;
}

/** What one replay measured: the run's output, and each labelled search's recall_any@10 by its trace index. */
interface ReplayOutcome {
  output: { metrics: MetricValues; details: DetailTable[] };
  anyAt10: Map<number, number>;
  relevance: Record<string, number>;
}

async function replay(prepared: PreparedReplay, params: MemoryReplayVariant, context: RunContext): Promise<ReplayOutcome> {
  const { workload, entries, reference } = prepared;
  const normalization = { caseFold: workload.caseFold };
  let virtualNowMs = entries[0]?.atMs ?? 0;
  const rng = createRng(context.seed).fork(`replay-jitter:${context.repetition}`);
  const environment: PipelineEnvironment = {
    client: context.endpoint.createClient(),
    model: workload.model,
    dimensions: workload.dimensions,
    capacity: Math.max(1, prepared.adds),
    stores: prepared.stores,
    normalization,
    random: () => rng.next(),
    now: () => virtualNowMs,
  };
  const { memory, close } = await buildMemory(inOrderPipeline(params.stack as MemoryPipeline), environment);
  const { index } = memory;
  if (index.fit) await settle(index.fit(prepared.fitSample));

  const idOf = new Map<string, string>();
  const traceIdOf = new Map<string, string>();
  /** The trace's state as the replay has reached it: live memory -> current text and metadata. */
  const current = new Map<string, { text: string; metadata: Record<string, unknown> | undefined }>();
  const served: ServedSearch[] = [];
  const latency = new LatencyRecorder();
  let stale = 0;
  let crossUser = 0;
  let writeErrors = 0;
  let searchErrors = 0;
  let firstError: unknown;
  const failed = (error: unknown) => {
    firstError ??= error;
  };

  const exactScore = (queryText: string, memoryText: string) =>
    cosine(prepared.queryVectors.get(normalizeQuery(queryText, normalization))!, prepared.memoryVectors.get(memoryText)!);

  const check = (i: number, results: readonly MemoryResult[]): ServedSearch => {
    const { op } = entries[i];
    if (op.op !== 'search') throw new Error('unreachable');
    const valid: ExactHit[] = [];
    let contextTokens = 0;
    results.forEach((result, rank) => {
      if (rank < op.k) contextTokens += prepared.tokens.get(result.text) ?? exactTokens(result.text);
      const traceId = traceIdOf.get(result.id);
      const owner = traceId === undefined ? undefined : reference.owner.get(traceId);
      if (owner !== op.user) {
        crossUser++;
        return;
      }
      const now = current.get(traceId!);
      if (!now || now.text !== result.text) {
        stale++;
        return;
      }
      valid.push({ id: traceId!, score: exactScore(op.text, result.text) });
    });
    return { index: i, valid, contextTokens };
  };

  const runOperation = async (i: number): Promise<void> => {
    const { op } = entries[i];
    switch (op.op) {
      case 'add': {
        const metadata = op.metadata ?? undefined;
        current.set(op.id, { text: op.text, metadata });
        try {
          const id = await memory.add(op.text, metadata, { namespace: op.user });
          idOf.set(op.id, id);
          traceIdOf.set(id, op.id);
        } catch (error) {
          writeErrors++;
          failed(error);
        }
        return;
      }
      case 'update': {
        const metadata = op.metadata ?? current.get(op.id)?.metadata;
        current.set(op.id, { text: op.text, metadata });
        const id = idOf.get(op.id);
        if (id === undefined) return; // its add was lost: counted by lost_writes
        try {
          await memory.update(id, op.text, metadata);
        } catch (error) {
          writeErrors++;
          failed(error);
        }
        return;
      }
      case 'delete': {
        current.delete(op.id);
        const id = idOf.get(op.id);
        if (id === undefined) return;
        try {
          await memory.delete(id);
        } catch (error) {
          writeErrors++;
          failed(error);
        }
        return;
      }
      case 'search': {
        const began = performance.now();
        let results: MemoryResult[];
        try {
          results = await memory.search(op.text, {
            topK: Math.max(op.k, workload.relevanceDepth),
            namespace: op.user,
            ...(op.filter ? { filter: op.filter } : {}),
          });
        } catch (error) {
          searchErrors++;
          failed(error);
          return;
        }
        const ms = performance.now() - began;
        latency.record(ms);
        stretch.push(ms);
        served.push(check(i, results));
        return;
      }
    }
  };

  // The timed replay, step by step (src/measure/user-steps.ts); progress readings are left out of the wall time.
  const steps = planUserSteps(
    entries.map((e) => e.op.user),
    params.users,
  );
  const every = Math.max(1, Math.ceil(steps.length / workload.progressPoints));
  const progress: Array<{ operations: number; costUsd: number; p95Ms: number }> = [];
  let stretch: number[] = [];
  let operations = 0;
  let pausedMs = 0;
  const listPrice = priceOf(LIST_PRICES_USD_PER_MILLION_TOKENS, workload.priceModel);
  const batchPrice = priceOf(BATCH_API_PRICES_USD_PER_MILLION_TOKENS, workload.priceModel);
  const t0 = performance.now();
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s];
    let latest = virtualNowMs;
    for (const i of step) latest = Math.max(latest, entries[i].atMs);
    virtualNowMs = latest;
    await Promise.all(step.map(runOperation));
    operations += step.length;
    if ((s + 1) % every === 0 || s === steps.length - 1) {
      const paused = performance.now();
      const ledger = await context.endpoint.ledger();
      progress.push({ operations, costUsd: (ledger.tokens * listPrice) / 1e6, p95Ms: percentiles(stretch, [0.95])[0] });
      stretch = [];
      pausedMs += performance.now() - paused;
    }
  }
  const wallMs = performance.now() - t0 - pausedMs;
  if (writeErrors + searchErrors > 0) context.log(`${writeErrors} write(s) and ${searchErrors} search(es) failed; first: ${(firstError as Error)?.message}`);

  // After the replay: the stack's final state against the trace's, then the per-search figures.
  const lost = await countLostWrites(prepared, memory, idOf);
  const cacheStats = memory.cache?.stats?.() as Record<string, number> | undefined;
  const indexBytes = await settle(index.memoryBytes());
  const partStats = partStatsTable(cacheStats);
  await close();
  const ledger = await context.endpoint.ledger();

  served.sort((a, b) => a.index - b.index);
  const anyAt10 = new Map<number, number>();
  const tally = new RelevanceTally();
  let recallSum = 0;
  let recallCount = 0;
  let contextSum = 0;
  let historySum = 0;
  for (const search of served) {
    const expected = reference.searches.get(search.index)!;
    const recall = recallAgainstExact(search.valid, expected.exact, 10);
    if (recall !== undefined) {
      recallSum += recall;
      recallCount++;
    }
    if (expected.relevant.size > 0) {
      tally.add(search.valid.map((h) => h.id), expected.relevant);
      anyAt10.set(search.index, tally.anyAt10[tally.anyAt10.length - 1]);
    }
    contextSum += search.contextTokens;
    historySum += expected.historyTokens;
  }
  const relevance = tally.means();
  const searches = served.length;
  const result: MetricValues = {
    api_requests: ledger.requests,
    api_tokens: ledger.tokens,
    cost_usd: (ledger.tokens * listPrice) / 1e6,
    cost_batch_api_usd: (ledger.tokens * batchPrice) / 1e6,
    cache_hit_rate: typeof cacheStats?.hitRate === 'number' ? cacheStats.hitRate : 0,
    cache_hit_rate_bound: prepared.cacheHitRateBound,
    cache_hit_shortfall: prepared.cacheHitRateBound - (typeof cacheStats?.hitRate === 'number' ? cacheStats.hitRate : 0),
    index_bytes: indexBytes,
    stale_results: stale,
    cross_user_results: crossUser,
    lost_writes: lost,
    write_errors: writeErrors,
    search_errors: searchErrors,
    recall_at_10: recallCount > 0 ? recallSum / recallCount : Number.NaN,
    ...relevance,
    recall_any_at_10_drop: prepared.exactRelevance.recall_any_at_10 - relevance.recall_any_at_10,
    context_tokens_per_search: searches > 0 ? contextSum / searches : Number.NaN,
    history_tokens_per_search: searches > 0 ? historySum / searches : Number.NaN,
    context_to_history_ratio: historySum > 0 ? contextSum / historySum : Number.NaN,
    wall_time_ms: wallMs,
  };
  const [p50, p95, p99] = latency.percentiles([0.5, 0.95, 0.99]);
  Object.assign(result, { latency_p50_ms: p50, latency_p95_ms: p95, latency_p99_ms: p99 });
  for (const [name, value] of Object.entries(result)) if (Number.isNaN(value)) delete result[name];

  const side = context.side;
  const details: DetailTable[] = [
    {
      name: 'relevance',
      chart: RELEVANCE_CHART,
      columns: ['k', 'baseline_recall_any', 'optimized_recall_any', 'exact_recall_any', 'baseline_recall_all', 'optimized_recall_all', 'exact_recall_all', 'labelled_searches'],
      rows: RELEVANCE_KS.map((k) => {
        const any = relevance[`recall_any_at_${k}`];
        const all = relevance[`recall_all_at_${k}`];
        return [
          k,
          side === 'baseline' ? any : null,
          side === 'optimized' ? any : null,
          prepared.exactRelevance[`recall_any_at_${k}`],
          side === 'baseline' ? all : null,
          side === 'optimized' ? all : null,
          prepared.exactRelevance[`recall_all_at_${k}`],
          tally.count,
        ];
      }),
    },
    {
      name: 'cost_curve',
      chart: COST_CHART,
      columns: ['operations', 'baseline_cost_usd', 'optimized_cost_usd'],
      rows: progress.map((p) => [p.operations, side === 'baseline' ? p.costUsd : null, side === 'optimized' ? p.costUsd : null]),
    },
    {
      name: 'latency_curve',
      chart: LATENCY_CHART,
      columns: ['operations', 'baseline_p95_ms', 'optimized_p95_ms'],
      rows: progress.filter((p) => !Number.isNaN(p.p95Ms)).map((p) => [p.operations, side === 'baseline' ? p.p95Ms : null, side === 'optimized' ? p.p95Ms : null]),
    },
  ];
  if (partStats) details.push(partStats);
  return { output: { metrics: result, details }, anyAt10, relevance };
}

/**
 * Replays each of workload.relevanceStacks (after the run's own replay, on the same endpoint: the run's metrics were
 * read before) and tabulates their relevance: recall_any@k with a Wilson interval at 10, NDCG@10, and for the fused
 * stack its margin over the best other stack with a paired bootstrap interval (same searches, seeded); and each
 * stack's stale, cross-user and lost-write counts, checked as the run's own stack's are.
 */
async function relevanceStacksTable(prepared: PreparedReplay, context: RunContext): Promise<{ details: DetailTable; margin?: number }> {
  const { workload } = prepared;
  const outcomes: Array<{ label: string; outcome: ReplayOutcome }> = [];
  for (const { label, stack } of workload.relevanceStacks) {
    const outcome = await replay(prepared, { stack, users: workload.relevanceUsers } as MemoryReplayVariant, context);
    outcomes.push({ label, outcome });
    context.log(`relevance stack '${label}': recall_any@10 ${outcome.relevance.recall_any_at_10?.toFixed(4)}`);
  }
  const fused = outcomes.find((o) => o.label === workload.fusedLabel);
  const others = outcomes.filter((o) => o !== fused);
  const best = others.reduce<(typeof outcomes)[number] | undefined>((top, o) => (top === undefined || o.outcome.relevance.recall_any_at_10 > top.outcome.relevance.recall_any_at_10 ? o : top), undefined);
  let margin: number | undefined;
  let interval: [number, number] = [Number.NaN, Number.NaN];
  if (fused && best) {
    const keys = [...fused.outcome.anyAt10.keys()].filter((k) => best.outcome.anyAt10.has(k));
    const a = keys.map((k) => fused.outcome.anyAt10.get(k)!);
    const b = keys.map((k) => best.outcome.anyAt10.get(k)!);
    margin = fused.outcome.relevance.recall_any_at_10 - best.outcome.relevance.recall_any_at_10;
    const rng = createRng(context.seed).fork('relevance-bootstrap');
    interval = pairedBootstrapInterval(a, b, () => rng.next());
  }
  const rows = outcomes.map(({ label, outcome }) => {
    const r = outcome.relevance;
    const labelled = outcome.anyAt10.size;
    const found = [...outcome.anyAt10.values()].reduce((x, y) => x + y, 0);
    const [low, high] = wilsonInterval(found, labelled);
    const isFused = fused?.label === label;
    return [
      label,
      labelled,
      ...RELEVANCE_KS.map((k) => r[`recall_any_at_${k}`]),
      low,
      high,
      r.ndcg_at_10,
      isFused ? (margin ?? null) : null,
      isFused ? interval[0] : null,
      isFused ? interval[1] : null,
      isFused ? (best?.label ?? null) : null,
      outcome.output.metrics.stale_results,
      outcome.output.metrics.cross_user_results,
      outcome.output.metrics.lost_writes,
    ];
  });
  return {
    margin,
    details: {
      name: 'stack_relevance',
      columns: [
        'stack',
        'labelled_searches',
        ...RELEVANCE_KS.map((k) => `recall_any_at_${k}`),
        'recall_any_at_10_ci95_low',
        'recall_any_at_10_ci95_high',
        'ndcg_at_10',
        'margin_vs_best_at_10',
        'margin_ci95_low',
        'margin_ci95_high',
        'best_other',
        'stale_results',
        'cross_user_results',
        'lost_writes',
      ],
      rows,
    },
  };
}

/**
 * Memories the trace leaves live that the stack does not hold at their current text (or whose vector its index
 * lacks), and memories the trace deleted that it still holds. An index without get(id) is checked by its size.
 */
async function countLostWrites(prepared: PreparedReplay, memory: Awaited<ReturnType<typeof buildMemory>>['memory'], idOf: ReadonlyMap<string, string>): Promise<number> {
  const { finalLive, owner } = prepared.reference;
  const { index } = memory;
  let lost = 0;
  for (const [traceId, live] of finalLive) {
    const id = idOf.get(traceId);
    const record = id === undefined ? undefined : memory.get(id);
    if (!record || record.text !== live.text || record.namespace !== live.user) lost++;
    else if (index.get && index.get(id!) === undefined) lost++;
  }
  for (const traceId of owner.keys()) {
    if (finalLive.has(traceId)) continue;
    const id = idOf.get(traceId);
    if (id !== undefined && (memory.get(id) !== undefined || index.get?.(id) !== undefined)) lost++;
  }
  if (!index.get) lost += Math.abs(index.size - finalLive.size);
  return lost;
}

/**
 * Searches that repeat one the same user asked (same normalized query, results asked and filter) since that user's
 * last write, over all searches: what an unbounded result cache emptied at each of the user's writes would hit.
 */
function cacheHitRateBound(entries: readonly AgentTraceEntry[], workload: MemoryReplayWorkload): number {
  const asked = new Map<string, Set<string>>();
  let searches = 0;
  let repeats = 0;
  for (const { op } of entries) {
    if (op.op !== 'search') {
      asked.get(op.user)?.clear();
      continue;
    }
    searches++;
    const key = `${normalizeQuery(op.text, { caseFold: workload.caseFold })}\n${Math.max(op.k, workload.relevanceDepth)}\n${JSON.stringify(op.filter ?? {})}`;
    let keys = asked.get(op.user);
    if (!keys) asked.set(op.user, (keys = new Set()));
    if (keys.has(key)) repeats++;
    else keys.add(key);
  }
  return searches > 0 ? repeats / searches : 0;
}

/** The operations of the first `maxUsers` users to appear (all with no limit), in trace order. */
function firstUsers(entries: AgentTraceEntry[], maxUsers: number | undefined): AgentTraceEntry[] {
  if (maxUsers === undefined) return entries;
  const kept = new Set<string>();
  for (const { op } of entries) {
    if (kept.size === maxUsers) break;
    kept.add(op.user);
  }
  return entries.filter(({ op }) => kept.has(op.user));
}

function priceOf(table: Readonly<Record<string, number>>, model: string): number {
  return Object.hasOwn(table, model) ? table[model] : Number.NaN;
}

/**
 * The stack with its embedder's answers handed back in call order (InOrderEmbedder), so concurrent users'
 * operations interleave the same way in every run; params are built by the registry as buildMemory would.
 */
function inOrderPipeline(stack: MemoryPipeline): MemoryPipeline {
  // One call order for the embedder's and the index's asynchronous answers (an index over the wire, pgvector).
  const order = new CallOrder();
  const inner = stack.embedder;
  const embedder: PartFactory<Embedder> = async (environment) => {
    const built =
      typeof inner === 'function'
        ? await inner(environment)
        : await createEmbedder(inner, { client: environment.client, model: environment.model, dimensions: environment.dimensions, random: environment.random });
    return new InOrderEmbedder(built, order);
  };
  const innerIndex = stack.index;
  const index: PartFactory<VectorIndex> = async (environment) => {
    const built =
      typeof innerIndex === 'function'
        ? await innerIndex(environment)
        : await createIndex(innerIndex, { capacity: environment.capacity, dimensions: environment.dimensions, stores: environment.stores });
    return inOrderPart(built, order);
  };
  return { ...stack, embedder, index };
}

/**
 * The most a replay sends (cost guard of a user's endpoint): every written text and every search's query once per
 * run, each alone (a batching or caching stack sends fewer), up to 3 attempts; prepare: every distinct text once,
 * batched.
 */
async function replayApiRequests(workload: MemoryReplayWorkload, { runs }: ApiRequestContext): Promise<ApiRequestPlan[]> {
  const entries = firstUsers(await readAgentTrace(workload.trace), workload.maxUsers);
  const normalization = { caseFold: workload.caseFold };
  const texts = entries.flatMap(({ op }) => (op.op === 'add' || op.op === 'update' ? [op.text] : op.op === 'search' ? [normalizeQuery(op.text, normalization)] : []));
  return [
    { texts: [...new Set(texts)], model: workload.model, batching: { inputsPerRequest: PREPARE_INPUTS_PER_REQUEST, maxRetries: PREPARE_MAX_RETRIES }, times: 1 },
    { texts, model: workload.model, batching: { inputsPerRequest: 1, maxRetries: 2 }, times: runs.baseline + runs.optimized },
  ];
}
