import { cpuUsage } from 'node:process';
import type OpenAI from 'openai';
import { z } from 'zod';
import { generateCorpus, generateQueries } from '../datasets/index.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import type { Embedding, MemoryResult, SearchHit } from '../memory/types.ts';
import { countTokens, type LedgerSnapshot } from '../endpoint/emulated-api/index.ts';
import type { EndpointLimits } from '../endpoint/types.ts';
import { checkAgainstReference, CrossSideVectors, endpointVectors, ObservedVectors, ObservingEmbedder, VECTOR_CHECK_METRICS, vectorCheckMetrics, vectorCheckTable, type VectorCheck } from '../measure/vector-checks.ts';
import type { ChartHint, DetailTable, MetricSpec, MetricValues, RunContext, WorkloadDriver } from '../harness/types.ts';
import { createEmbedder, createIndex, createProcessor, processorParamsSchema } from '../parts/registry.ts';
import { PREPARE_INPUTS_PER_REQUEST, PREPARE_MAX_RETRIES } from '../measure/vector-checks.ts';
import type { ApiRequestContext, ApiRequestPlan } from '../harness/types.ts';

/**
 * The API-bound batch: a memory system embeds and adds a batch of documents, then searches a batch of queries;
 * every operation waits on the mocked embeddings API (one request per text: this isolates concurrency from
 * batching). The baseline awaits one operation after another; the optimized side runs them through
 * ParallelProcessor.map with bounded concurrency. Both phases are timed together (`wall_time_ms`).
 *
 * The memory starts with `corpusSize` memories whose vectors come from the mock's model locally (no API call, not
 * timed), so searches rank a realistic corpus. Every answer is checked against NaiveIndex over the same vectors,
 * and every added document must be stored under the id its call got, whatever order the calls finished in.
 *
 * An endpoint without a reference model (run --endpoint URL): the corpus vectors are asked of it once in prepare
 * (batched, before the runs' ledgers), and each run's expected answers are NaiveIndex over the corpus plus the
 * document and query vectors that run got from the endpoint (exact, whatever the endpoint answers). The vectors
 * themselves (`wrong_vectors`) are checked against the reference model's, or across sides within a cosine
 * tolerance (src/measure/vector-checks.ts).
 *
 * The concurrency curve (the first optimized run only): the same batch at each concurrency in `curve`, each on a fresh
 * memory, after draining the mock's token bucket (`sustained`: the account has already used its burst, as after
 * earlier batches), so the per-minute limits bind as they do in steady state. Next to each measured speedup the
 * table gives the three ceilings: the concurrency itself (latency-bound), the rate limit's (sustained requests per
 * second x sequential time per request), and the CPU's (sequential time per request / CPU time per request: the
 * SDK, the mock and the scan share this process's one event loop). `capped_by` names the lowest.
 */
const workloadSchema = z
  .object({
    /** Memories stored before the batch (vectors computed locally, no API). */
    corpusSize: z.number().int().min(0).default(1000),
    /** Documents embedded and added by the batch, one API request each. */
    documents: z.number().int().min(1),
    /** Queries searched by the batch, one API request each (the query embedding). */
    queries: z.number().int().min(1),
    topK: z.number().int().min(1).default(5),
    model: z.string().default('text-embedding-3-small'),
    /** Requested embedding width; smaller keeps the scan's CPU negligible next to the API wait. */
    dimensions: z.number().int().positive().optional(),
    /**
     * SDK retries per request. A 429 is retried after the mock's retry-after-ms, which every waiting request reads
     * alike, so past the cap they wake together and most are refused again (a thundering herd): a request may need
     * about as many retries as there are requests in flight. The default keeps every operation alive up to
     * concurrency 100, so the curve measures throughput, not failures.
     */
    maxRetries: z.number().int().min(0).default(100),
    /** Concurrencies of the curve (optimized runs); must include 1, the reference. Empty: no curve. */
    curve: z
      .array(z.number().int().min(1).max(1024))
      .default([1, 2, 4, 8, 16, 32])
      .refine((c) => c.length === 0 || c.includes(1), 'expected the curve to include concurrency 1 (its reference)'),
    /** Drain the token bucket before each curve point ('sustained') or not ('burst'). */
    curveRegime: z.enum(['sustained', 'burst']).default('sustained'),
  })
  .strict();

const variantSchema = processorParamsSchema;

export type ParallelApiWorkload = z.output<typeof workloadSchema>;
export type ParallelApiVariant = z.output<typeof variantSchema>;

const metrics: MetricSpec[] = [
  { name: 'wall_time_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'documents batch + queries batch, first call to last settled' },
  { name: 'embed_batch_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'adding the documents batch (one embeddings request each)' },
  { name: 'search_batch_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'searching the queries batch (one embeddings request each, then a scan)' },
  { name: 'throughput_ops_per_s', unit: 'ops/s', kind: 'timing', better: 'higher', description: 'operations (adds + searches) per second of wall time' },
  { name: 'api_requests', unit: 'requests', kind: 'counter', better: 'lower', description: 'HTTP requests the mocked API received, retries included' },
  { name: 'api_rate_limited', unit: 'responses', kind: 'counter', better: 'lower', description: '429 answers (each retried by the SDK after retry-after-ms)' },
  { name: 'failed_operations', unit: 'ops', kind: 'counter', better: 'lower', description: 'adds or searches that rejected (after retries)' },
  { name: 'wrong_results', unit: 'searches', kind: 'counter', better: 'lower', description: 'searches whose answer differs from NaiveIndex over the same vectors' },
  { name: 'lost_writes', unit: 'documents', kind: 'counter', better: 'lower', description: 'documents not stored, or stored under another id than their call got' },
  { name: 'peak_in_flight', unit: 'ops', kind: 'counter', better: 'lower', description: 'most operations running at once (bounded by the concurrency)' },
  ...VECTOR_CHECK_METRICS,
  { name: 'cpu_ms_per_request', unit: 'ms', kind: 'timing', better: 'lower', description: "this process's CPU time per API request (SDK, mock, scan): the CPU ceiling's input" },
];

interface PreparedApiBatch {
  workload: ParallelApiWorkload;
  corpusTexts: string[];
  corpusVectors: Embedding[];
  /** Width of every vector. */
  dimensions: number;
  documents: string[];
  queries: string[];
  /** NaiveIndex's answer for each query over corpus + documents, ids as the memory assigns them; null without a
   * reference model (each run computes it from the vectors it got). */
  expected: SearchHit[][] | null;
  /** The reference vectors of documents and queries, by text (null without a reference model). */
  referenceVectors: Map<string, number[]> | null;
  /** The baseline side's document and query vectors, for the cross-side check (no reference model). */
  crossSide: CrossSideVectors;
  /** A text of about DRAIN_CHUNK_TOKENS tokens; a drain request sends as many copies as the bucket holds. */
  drainChunk: string;
  drainChunkTokens: number;
}

const ID_PREFIX = 'm';
const DRAIN_CHUNK_TOKENS = 100;

export const parallelApiDriver: WorkloadDriver<
  ParallelApiWorkload,
  ParallelApiVariant,
  PreparedApiBatch,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>
> = {
  name: 'parallel-api',

  apiRequests: parallelApiRequests,
  workloadSchema,
  variantSchema,
  metrics,

  async prepare(workload, { seed, endpoint }) {
    const records = generateCorpus({ size: workload.corpusSize + workload.documents, seed });
    const corpusTexts = records.slice(0, workload.corpusSize).map((r) => r.text);
    const documents = records.slice(workload.corpusSize).map((r) => r.text);
    const queries = generateQueries({ size: workload.queries, seed }).map((q) => q.text);
    const hasReference = endpoint.reference !== null;
    const vectors = await endpointVectors(endpoint, hasReference ? [...corpusTexts, ...documents, ...queries] : corpusTexts, workload.model, workload.dimensions);
    const corpusVectors = corpusTexts.map((t) => vectors.get(t)!);
    const expected = hasReference ? await expectedAnswers(workload, corpusVectors, documents.map((t) => [vectors.get(t)!]), queries.map((t) => [vectors.get(t)!])) : null;
    const dimensions = corpusVectors[0]?.length ?? (await endpointVectors(endpoint, ['probe'], workload.model, workload.dimensions)).get('probe')!.length;
    let drainChunk = '';
    for (let i = 0; countTokens(drainChunk) < DRAIN_CHUNK_TOKENS; i++) drainChunk += `${records[i % records.length].text} `;
    return {
      workload,
      corpusTexts,
      corpusVectors,
      dimensions,
      documents,
      queries,
      expected: expected && expected.map((e) => e[0]),
      referenceVectors: hasReference ? vectors : null,
      crossSide: new CrossSideVectors(),
      drainChunk,
      drainChunkTokens: countTokens(drainChunk),
    };
  },

  async run(prepared, params, context) {
    const concurrency = params.mode === 'sequential' ? 1 : params.concurrency;
    const client = context.endpoint.createClient({ maxRetries: prepared.workload.maxRetries });
    const batch = await runBatch(prepared, client, params.mode === 'sequential' ? 'sequential' : concurrency, context);
    const result: MetricValues = {
      wall_time_ms: batch.wallMs,
      embed_batch_ms: batch.embedMs,
      search_batch_ms: batch.searchMs,
      throughput_ops_per_s: batch.operations / (batch.wallMs / 1000),
      api_requests: batch.ledger.requests,
      api_rate_limited: batch.ledger.rateLimited,
      failed_operations: batch.failed,
      wrong_results: batch.wrong,
      lost_writes: batch.lost,
      peak_in_flight: batch.peakInFlight,
      cpu_ms_per_request: batch.cpuMs / Math.max(1, batch.ledger.requests),
    };
    const details: DetailTable[] = [];
    // The curve is charted, not gated: once per scenario (first optimized run), never in a compressed-time pair.
    if (context.side === 'optimized' && context.repetition === 0 && !context.compressedTime && prepared.workload.curve.length > 0) {
      details.push(await measureCurve(prepared, client, context, batch.observed));
    }
    // The vectors the run got (its batch and its curve's): against the reference model's, or across sides.
    let check: VectorCheck | undefined;
    if (prepared.referenceVectors) check = checkAgainstReference(batch.observed.byText, prepared.referenceVectors);
    else if (context.side === 'baseline') prepared.crossSide.record(batch.observed.byText);
    else {
      check = prepared.crossSide.check(batch.observed.byText);
      details.push(vectorCheckTable(check, 'documents and queries'));
    }
    if (check) Object.assign(result, vectorCheckMetrics(check));
    if (check && check.mismatches + check.unchecked > 0) context.log(`${check.mismatches} text(s) got a wrong vector, ${check.unchecked} unchecked`);
    return { metrics: result, details };
  },
};

interface BatchResult {
  wallMs: number;
  embedMs: number;
  searchMs: number;
  operations: number;
  /** Ledger counts of this batch alone. */
  ledger: LedgerSnapshot;
  cpuMs: number;
  failed: number;
  wrong: number;
  lost: number;
  peakInFlight: number;
  /** The document and query vectors the batch got from the endpoint, by text. */
  observed: ObservedVectors;
}

/**
 * One batch on a fresh memory: prefill locally (untimed), then add the documents and search the queries through
 * the API, sequentially (a plain loop: the naive code) or through ParallelProcessor.map at `concurrency`.
 */
async function runBatch(
  prepared: PreparedApiBatch,
  client: OpenAI,
  concurrency: number | 'sequential',
  context: RunContext,
): Promise<BatchResult> {
  const { workload, documents, queries } = prepared;
  const observed = new ObservedVectors();
  const api = new ObservingEmbedder(await createEmbedder({ embedder: 'naive' }, { client, model: workload.model, dimensions: workload.dimensions }), observed);
  const index = await createIndex({ index: 'shared' }, { dimensions: prepared.dimensions, capacity: workload.corpusSize + documents.length });
  const memory = new MemorySystem({ embedder: api, index, idPrefix: ID_PREFIX });
  // The corpus with the vectors computed in prepare: stored as given, nothing sent to the API.
  await memory.addMany(prepared.corpusTexts.map((text, i) => ({ text, vector: prepared.corpusVectors[i] })));

  const processor = await createProcessor(concurrency === 'sequential' ? { mode: 'sequential' } : { mode: 'concurrent', concurrency });
  const each = async <T, R>(items: readonly T[], fn: (item: T) => Promise<R>) => {
    if (concurrency !== 'sequential') return processor.map(items, (item) => fn(item), { failures: 'collect' });
    // The baseline: what code without a concurrency helper does, one awaited call after another.
    const out: Array<{ status: 'fulfilled'; value: R } | { status: 'rejected'; reason: unknown }> = [];
    for (const item of items) {
      try {
        out.push({ status: 'fulfilled', value: await fn(item) });
      } catch (reason) {
        out.push({ status: 'rejected', reason });
      }
    }
    return out;
  };

  const ledgerBefore = await context.endpoint.ledger();
  const cpuBefore = cpuUsage();
  const t0 = performance.now();
  const added = await each(documents, (text) => memory.add(text));
  const t1 = performance.now();
  const found = await each(queries, (query) => memory.search(query, { topK: workload.topK }));
  const t2 = performance.now();
  const cpu = cpuUsage(cpuBefore);
  const ledgerAfter = await context.endpoint.ledger();
  const ledger = diffLedger(ledgerAfter, ledgerBefore);
  await api.close();

  let failed = 0;
  let lost = 0;
  added.forEach((outcome, i) => {
    const expectedId = `${ID_PREFIX}${workload.corpusSize + i}`;
    if (outcome.status === 'rejected') {
      failed++;
      lost++;
    } else if (outcome.value !== expectedId || memory.get(expectedId)?.text !== documents[i]) lost++;
  });
  // Without a reference model: NaiveIndex over the vectors this batch got (a text answered twice differently gives
  // several candidate answers; a search is right when it equals one of them).
  const expected: SearchHit[][][] = prepared.expected
    ? prepared.expected.map((e) => [e])
    : await expectedAnswers(workload, prepared.corpusVectors, documents.map((t) => observed.byText.get(t) ?? []), queries.map((t) => observed.byText.get(t) ?? []));
  let wrong = 0;
  found.forEach((outcome, i) => {
    if (outcome.status === 'rejected') failed++;
    else if (!expected[i].some((e) => sameAnswer(outcome.value, e))) wrong++;
  });
  const firstFailure = [...added, ...found].find((o) => o.status === 'rejected');
  if (firstFailure) context.log(`${failed} operation(s) failed; first: ${(firstFailure as { reason: Error }).reason?.message}`);
  return {
    wallMs: t2 - t0,
    embedMs: t1 - t0,
    searchMs: t2 - t1,
    operations: documents.length + queries.length,
    ledger,
    cpuMs: (cpu.user + cpu.system) / 1000,
    failed,
    wrong,
    lost,
    peakInFlight: concurrency === 'sequential' ? 1 : processor.stats().peakInFlight,
    observed,
  };
}

/**
 * NaiveIndex's answers over the corpus (ids m0..) and the documents (ids in call order), one per candidate vector
 * of each query. Stored vectors are rounded to float32 as SharedVectorIndex stores them (a no-op for the mock's
 * vectors); queries are not (it scores them unrounded). A document answered differently twice leaves its stored
 * vector unknown: then no answer is expected, and every search counts as wrong rather than passing unchecked.
 */
async function expectedAnswers(
  workload: ParallelApiWorkload,
  corpusVectors: readonly Embedding[],
  documentVectors: ReadonlyArray<readonly ArrayLike<number>[]>,
  queryVectors: ReadonlyArray<readonly ArrayLike<number>[]>,
): Promise<SearchHit[][][]> {
  const reference = await createIndex({ index: 'naive' });
  const asStored = (v: ArrayLike<number>) => Array.from(Float32Array.from(v));
  corpusVectors.forEach((v, i) => reference.add(`${ID_PREFIX}${i}`, asStored(v)));
  let ambiguous = false;
  documentVectors.forEach((candidates, i) => {
    if (candidates.length > 1) ambiguous = true;
    if (candidates.length > 0) reference.add(`${ID_PREFIX}${workload.corpusSize + i}`, asStored(candidates[0]));
  });
  return queryVectors.map((candidates) => (ambiguous ? [] : candidates.map((q) => reference.search(Array.from(q), workload.topK) as SearchHit[])));
}

/** Speedup against concurrency, with the ideal (latency-bound, linear) line and the rate-limit and CPU ceilings. */
export const CONCURRENCY_CURVE_CHART: ChartHint = {
  type: 'line',
  id: 'concurrency',
  title: 'Speedup against concurrency',
  caption: "API-bound batch operations at each concurrency, against one at a time; the speedup stops at the lowest ceiling (rate limit or this process's CPU)",
  x: { column: 'concurrency', title: 'concurrency (operations in flight)', scale: 'log' },
  y: { title: 'speedup (x)', scale: 'log' },
  series: [
    { name: 'measured (vs one at a time)', column: 'speedup_vs_c1', style: 'measured' },
    { name: 'ideal: latency-bound, linear', ideal: true },
    { name: 'rate-limit ceiling ({value}x)', ceiling: 'rate_limit_cap', digits: 1, missing: 'none' },
    { name: 'CPU ceiling ({value}x)', ceiling: 'cpu_cap', digits: 1 },
  ],
};

/** The concurrency curve: one batch per concurrency, each on a fresh memory (see the module comment). */
async function measureCurve(prepared: PreparedApiBatch, client: OpenAI, context: RunContext, observed: ObservedVectors): Promise<DetailTable> {
  const { workload } = prepared;
  const { limits, timeScale } = context.endpoint;
  const points: Array<{ concurrency: number; batch: BatchResult }> = [];
  for (const concurrency of [...new Set(workload.curve)].sort((a, b) => a - b)) {
    if (workload.curveRegime === 'sustained') await drainTokenBucket(prepared, context);
    const batch = await runBatch(prepared, client, concurrency, context);
    for (const [text, vectors] of batch.observed.byText) for (const v of vectors) observed.observe(text, v);
    points.push({ concurrency, batch });
    context.log(`parallel-api curve: concurrency ${concurrency}: ${batch.wallMs.toFixed(0)} ms, ${batch.ledger.rateLimited} x 429`);
  }
  const reference = points.find((p) => p.concurrency === 1)!.batch;
  const msPerRequest = reference.wallMs / Math.max(1, reference.ledger.succeeded);
  const cpuCap = msPerRequest / (reference.cpuMs / Math.max(1, reference.ledger.requests));
  const rows = points.map(({ concurrency, batch }) => {
    const tokensPerRequest = batch.ledger.tokens / Math.max(1, batch.ledger.succeeded);
    const rateCap = rateLimitCap(limits, timeScale, msPerRequest, tokensPerRequest);
    const caps: Array<[string, number]> = [
      ['latency (concurrency)', concurrency],
      ['rate limit', rateCap],
      ['cpu', cpuCap],
    ];
    const [cappedBy] = caps.reduce((low, cap) => (cap[1] < low[1] ? cap : low));
    return [
      concurrency,
      workload.curveRegime,
      batch.ledger.requests,
      batch.ledger.rateLimited,
      batch.ledger.tokens,
      batch.wallMs,
      reference.wallMs / batch.wallMs,
      concurrency,
      Number.isFinite(rateCap) ? rateCap : null,
      cpuCap,
      cappedBy,
      batch.peakInFlight,
      batch.wrong,
      batch.failed,
    ];
  });
  return {
    name: 'concurrency_curve',
    chart: CONCURRENCY_CURVE_CHART,
    columns: [
      'concurrency',
      'regime',
      'api_requests',
      'rate_limited_429',
      'tokens',
      'wall_ms',
      'speedup_vs_c1',
      'ideal_speedup',
      'rate_limit_cap',
      'cpu_cap',
      'capped_by',
      'peak_in_flight',
      'wrong_results',
      'failed_operations',
    ],
    rows,
  };
}

/**
 * The highest speedup the endpoint's per-minute limits allow in steady state: sustained requests per ms (the
 * tighter of the request and token buckets) x sequential ms per request. Infinity without a limit, and when the
 * limits are unknown (null: nothing to compute a cap from). `timeScale` scales the minute (a modelled endpoint).
 */
export function rateLimitCap(limits: EndpointLimits, timeScale: number, msPerRequest: number, tokensPerRequest: number): number {
  if (timeScale === 0) return Number.POSITIVE_INFINITY;
  const minuteMs = 60_000 * timeScale;
  const requestsPerMs = Math.min(
    (limits.requestsPerMinute ?? Number.POSITIVE_INFINITY) / minuteMs,
    tokensPerRequest > 0 ? (limits.tokensPerMinute ?? Number.POSITIVE_INFINITY) / tokensPerRequest / minuteMs : Number.POSITIVE_INFINITY,
  );
  return requestsPerMs * msPerRequest;
}

/**
 * Empties the mock's token bucket (to under 1% of a minute's tokens) with a few large requests sized from its
 * x-ratelimit-remaining-tokens header, so the next batch meets the sustained rate rather than a full burst.
 */
async function drainTokenBucket(prepared: PreparedApiBatch, context: RunContext): Promise<void> {
  const { limits, timeScale } = context.endpoint;
  const tokensPerMinute = limits.tokensPerMinute;
  if (tokensPerMinute === null || !Number.isFinite(tokensPerMinute) || timeScale === 0) return;
  const client = context.endpoint.createClient({ maxRetries: 0 });
  const model = prepared.workload.model;
  const threshold = tokensPerMinute * 0.01;
  let remaining = Number.NaN;
  for (let attempt = 0; attempt < 8; attempt++) {
    const probe = await client.embeddings.create({ model, input: 'drain' }).withResponse();
    remaining = Number(probe.response.headers.get('x-ratelimit-remaining-tokens'));
    if (!(remaining > threshold)) break;
    const chunks = Math.min(2048, Math.floor(remaining / prepared.drainChunkTokens));
    if (chunks < 1) break;
    await client.embeddings.create({ model, input: new Array<string>(chunks).fill(prepared.drainChunk) });
  }
  context.log(`parallel-api: token bucket drained to ${remaining} of ${tokensPerMinute} tokens`);
}

function diffLedger(after: LedgerSnapshot, before: LedgerSnapshot): LedgerSnapshot {
  const out = { ...after };
  for (const key of Object.keys(out) as Array<keyof LedgerSnapshot>) out[key] = after[key] - before[key];
  return out;
}

function sameAnswer(results: readonly MemoryResult[], expected: readonly SearchHit[]): boolean {
  return results.length === expected.length && results.every((r, i) => r.id === expected[i].id && Object.is(r.score, expected[i].score));
}
/**
 * The most a parallel-api scenario sends: per batch every document and query alone, up to 1 + workload.maxRetries
 * attempts; one batch per baseline run, 1 + the curve's distinct concurrencies per optimized run (no token-bucket
 * drain: an endpoint with unknown limits is not drained); prepare: the corpus once, 256 per request, up to 3 attempts.
 */
async function parallelApiRequests(workload: ParallelApiWorkload, { seed, runs }: ApiRequestContext): Promise<ApiRequestPlan[]> {
  const records = generateCorpus({ size: workload.corpusSize + workload.documents, seed });
  const corpus = records.slice(0, workload.corpusSize).map((r) => r.text);
  const batch = [...records.slice(workload.corpusSize).map((r) => r.text), ...generateQueries({ size: workload.queries, seed }).map((q) => q.text)];
  const curve = new Set(workload.curve).size;
  return [
    { texts: corpus, model: workload.model, batching: { inputsPerRequest: PREPARE_INPUTS_PER_REQUEST, maxRetries: PREPARE_MAX_RETRIES }, times: 1 },
    { texts: batch, model: workload.model, batching: { inputsPerRequest: 1, maxRetries: workload.maxRetries }, times: runs.baseline + runs.optimized * (1 + curve) },
  ];
}
