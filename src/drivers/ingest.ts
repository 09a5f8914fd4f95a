import { z } from 'zod';
import { InputError } from '../errors.ts';
import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';
import { createEmbedder, createIndex, embedderParamsSchema, type EmbedderParams } from '../parts/registry.ts';
import { DEFAULT_MAX_BATCH_SIZE } from '../parts/embeddings/params.ts';
import { measureBatcherOverhead } from '../parts/embeddings/overhead-bench.ts';
import { loadDataset, shippedDataPath } from '../datasets/index.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import type { Embedder } from '../memory/types.ts';
import type { EmbeddingsEndpoint } from '../endpoint/types.ts';
import { isFactoryVariant } from '../harness/factory-variant.ts';
import { buildUserPart } from '../harness/user-part.ts';
import { partStatsTable } from '../measure/part-stats.ts';
import { matchesReference, referenceArray } from '../measure/reference-vectors.ts';
import { CrossSideVectors, VECTOR_CHECK_METRICS, vectorCheckMetrics, vectorCheckTable } from '../measure/vector-checks.ts';
import { retainedBytes } from '../measure/memory-probe.ts';
import { LatencyRecorder } from '../measure/latency.ts';
import { apiMetrics, apiMetricSpecs, pick } from '../measure/api-metrics.ts';
import { runClosedLoop } from '../measure/closed-loop.ts';
import type { DetailTable, MetricSpec, MetricValues, RunContext, WorkloadDriver } from '../harness/types.ts';
import { createRng } from '../util/rng.ts';
import type { ApiRequestContext, ApiRequestPlan } from '../harness/types.ts';

/**
 * The ingest workload: a memory system adds `size` texts from a dataset, pushed by `producers` concurrent async
 * producers (each awaits its add before taking the next text), arriving all at once ('burst') or as a Poisson
 * process. The variant chooses the embedder: naive (one request per text), batched, or its own (a factory
 * returning any Embedder; it gets the run's endpoint to build its client from).
 */
const workloadSchema = z
  .object({
    /** JSONL file of { id, text, topic } records; relative paths are from the working directory. */
    dataset: z.string().default(shippedDataPath('memories.jsonl')),
    /** How many texts to ingest (the dataset's first `size` records). */
    size: z.number().int().min(1),
    /** Concurrent producers; producers outrun the API when this exceeds batch size x requests in flight. */
    producers: z.number().int().min(1).max(100_000),
    arrival: z
      .discriminatedUnion('pattern', [
        z.object({ pattern: z.literal('burst') }).strict(),
        z.object({ pattern: z.literal('poisson'), ratePerSecond: z.number().positive() }).strict(),
      ])
      .default({ pattern: 'burst' }),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().positive().optional(),
    /** Heap samples (forced GC) taken at evenly spaced completion counts; both variants pay the same. */
    memoryCheckpoints: z.number().int().min(2).max(100).default(10),
    /** Time the batcher's own overhead per text with tinybench (optimized batch variant only). */
    measureBatcherOverhead: z.boolean().default(true),
  })
  .strict();

const variantSchema = embedderParamsSchema;

export type IngestWorkload = z.output<typeof workloadSchema>;
export type IngestVariant = EmbedderParams;

/** What an ingest variant's own factory gets to build its Embedder with. */
export interface EmbedderFactoryContext {
  /** The run's endpoint; its ledger counts every request the embedder sends through `createClient`. */
  endpoint: EmbeddingsEndpoint;
  /** An openai client pointed at the run's endpoint. */
  createClient(options?: ClientOptions): OpenAI;
  model: string;
  dimensions: number | undefined;
  seed: number;
  /** The variant's own `params` (a sweep point's value in place of the swept one); {} when it gives none. */
  params: Readonly<Record<string, unknown>>;
}

/** A user's Embedder for an ingest variant (`{ label, factory, version }` in place of `params`). */
export type EmbedderFactory = (context: EmbedderFactoryContext) => Embedder | Promise<Embedder>;

/** The ledger's metrics this driver reports. */
const API_METRICS = ['api_requests', 'api_inputs', 'api_tokens', 'api_cost_usd', 'api_errors', 'api_rate_limited', 'api_server_errors', 'api_retries', 'api_network_errors', 'api_inputs_truncated'] as const;

const metrics: MetricSpec[] = [
  ...apiMetricSpecs(['api_requests']),
  { name: 'requests_over_minimum_pct', unit: '%', kind: 'counter', better: 'lower', only: 'optimized', description: 'requests above ceil(texts / maxBatchSize), the fewest possible at that batch size' },
  { name: 'batches_full', unit: 'batches', kind: 'counter', better: 'higher', only: 'optimized', description: 'batches sent full (maxBatchSize inputs, or maxBatchTokens reached)' },
  { name: 'batches_on_timer', unit: 'batches', kind: 'counter', better: 'lower', only: 'optimized', class: 'time-dependent', description: 'batches sent not full, on their maxWaitMs timer (texts arrived slower than maxWaitMs: the last one of a run, or a busy event loop)' },
  { name: 'batches_flushed', unit: 'batches', kind: 'counter', better: 'lower', only: 'optimized', description: 'batches sent not full by flush() or a full queue' },
  ...apiMetricSpecs(API_METRICS.slice(1)),
  { name: 'texts_lost', unit: 'texts', kind: 'counter', better: 'lower', description: 'adds that failed or never stored a vector' },
  ...VECTOR_CHECK_METRICS,
  // When the queue peaks depends on when requests come back and timers fire (real time): measured 64 and 65 on one seed.
  { name: 'peak_queue_length', unit: 'texts', kind: 'counter', better: 'lower', class: 'time-dependent', description: "most texts waiting in the embedder's queue at once" },
  { name: 'wall_time_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'first add to last add settled' },
  { name: 'throughput_texts_per_s', unit: 'texts/s', kind: 'timing', better: 'higher', description: 'texts stored per second of wall time' },
  { name: 'latency_p50_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-text add latency, median (from the call, queue wait included)' },
  { name: 'latency_p95_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'per-text add latency, 95th percentile' },
  { name: 'heap_peak_bytes', unit: 'bytes', kind: 'memory', better: 'lower', description: 'largest heap + array buffers after forced GC at a checkpoint, above the run start' },
  { name: 'heap_end_bytes', unit: 'bytes', kind: 'memory', better: 'lower', description: 'heap + array buffers after forced GC at the end, above the run start' },
  { name: 'heap_growth_second_half_ratio', unit: 'ratio', kind: 'memory', better: 'lower', description: 'heap growth in the second half of the run / growth in the first half (1 = linear in stored vectors)' },
  { name: 'batcher_overhead_us_per_text', unit: 'us', kind: 'timing', better: 'lower', only: 'optimized', description: "the batcher's own CPU time per text against an instant fake client (tinybench)" },
];

interface PreparedIngest {
  workload: IngestWorkload;
  texts: string[];
  /** Arrival offsets in ms from the start (all 0 for a burst). */
  arrivalsMs: Float64Array;
  /** The baseline side's stored vectors, for the cross-side check (an endpoint without a reference model). */
  crossSide: CrossSideVectors;
}

export const ingestDriver: WorkloadDriver<
  IngestWorkload,
  IngestVariant,
  PreparedIngest,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>,
  EmbedderFactory
> = {
  name: 'ingest',
  workloadSchema,
  variantSchema,
  metrics,
  factory: { part: 'Embedder' },

  apiRequests: ingestApiRequests,
  inputs: (workload) => [{ kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.size, field: 'workload.size' } }],
  async prepare(workload, { seed }) {
    const records = await loadDataset(workload.dataset);
    if (records.length < workload.size) {
      throw new InputError(
        { field: 'workload.size' },
        `asks for ${workload.size} texts but ${workload.dataset} has ${records.length} records`,
      );
    }
    const texts = records.slice(0, workload.size).map((r) => r.text);
    const arrivalsMs = new Float64Array(texts.length);
    if (workload.arrival.pattern === 'poisson') {
      const rng = createRng(seed).fork('arrivals');
      const meanGapMs = 1000 / workload.arrival.ratePerSecond;
      let t = 0;
      for (let i = 0; i < texts.length; i++) {
        t += -Math.log(1 - rng.next()) * meanGapMs;
        arrivalsMs[i] = t;
      }
    }
    return { workload, texts, arrivalsMs, crossSide: new CrossSideVectors() };
  },

  async run(prepared, params, context) {
    const { workload, texts, arrivalsMs } = prepared;
    const { endpoint } = context;
    const embedder: Embedder = isFactoryVariant<EmbedderFactory>(params)
      ? await buildUserPart(params, 'Embedder', {
          endpoint,
          createClient: (options: ClientOptions | undefined) => endpoint.createClient(options),
          model: workload.model,
          dimensions: workload.dimensions,
          seed: context.seed,
        })
      : await createEmbedder(params, { client: endpoint.createClient(), model: workload.model, dimensions: workload.dimensions, random: seededRandom(context) });
    const index = await createIndex({ index: 'naive' });
    const memory = new MemorySystem({ embedder, index });

    const start = context.memory.sample('start');
    const checkpointEvery = Math.max(1, Math.floor(texts.length / workload.memoryCheckpoints));
    const heapAt: number[] = [];
    const latency = new LatencyRecorder();
    const ids: Array<string | undefined> = new Array(texts.length);
    let completed = 0;
    let failed = 0;
    let firstError: unknown;

    const t0 = performance.now();
    await runClosedLoop(texts.length, workload.producers, async (i) => {
      const wait = arrivalsMs[i] - (performance.now() - t0);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const began = performance.now();
      try {
        ids[i] = await memory.add(texts[i]);
      } catch (error) {
        failed++;
        firstError ??= error;
      }
      latency.record(performance.now() - began);
      if (++completed % checkpointEvery === 0) {
        heapAt.push(retainedBytes(context.memory.sample(`completed ${completed}`)) - retainedBytes(start));
      }
    });
    await embedder.flush();
    const wallMs = performance.now() - t0;
    const embedderStats = embedder.stats();
    await embedder.close();
    const end = retainedBytes(context.memory.sample('end')) - retainedBytes(start);
    if (failed > 0) context.log(`${failed} add(s) failed; first: ${(firstError as Error)?.message}`);

    // Verification, outside the timed section: each text's stored vector must be the endpoint's reference vector
    // of that text; without a reference model, the optimized side's must match the baseline side's (cross-side.ts).
    const reference = endpoint.reference;
    let wrong = 0;
    let missing = 0;
    const stored: Array<readonly [string, ArrayLike<number>]> = [];
    for (let i = 0; i < texts.length; i++) {
      const id = ids[i];
      const vector = id === undefined ? undefined : index.get?.(id);
      if (!vector) {
        missing++;
        continue;
      }
      stored.push([texts[i], vector]);
      if (!reference) continue;
      const expected = await referenceArray(reference, texts[i], workload.model, workload.dimensions);
      if (!matchesReference(vector, expected, reference.cosineTolerance)) wrong++;
    }
    let vectorChecks: MetricValues = reference ? { wrong_vectors: wrong } : {};
    const crossTable: DetailTable[] = [];
    if (!reference && context.side === 'baseline') prepared.crossSide.record(stored);
    if (!reference && context.side === 'optimized') {
      const check = prepared.crossSide.check(stored);
      vectorChecks = vectorCheckMetrics(check);
      crossTable.push(vectorCheckTable(check, 'stored'));
      if (check.mismatches + check.unchecked > 0) context.log(`${check.mismatches} stored vector(s) differ from the baseline side's, ${check.unchecked} unchecked`);
    }

    const ledger = await endpoint.ledger();
    const [p50, p95] = latency.percentiles([0.5, 0.95]);
    const mid = heapAt[Math.floor(heapAt.length / 2) - 1] ?? end;
    const result: MetricValues = {
      ...pick(apiMetrics(ledger), API_METRICS),
      texts_lost: missing,
      ...vectorChecks,
      peak_queue_length: embedderStats.peakQueueLength,
      wall_time_ms: wallMs,
      throughput_texts_per_s: (texts.length - missing) / (wallMs / 1000),
      latency_p50_ms: p50,
      latency_p95_ms: p95,
      heap_peak_bytes: Math.max(end, ...heapAt),
      heap_end_bytes: end,
      heap_growth_second_half_ratio: mid > 0 ? (end - mid) / mid : Number.NaN,
    };
    if (isFactoryVariant(params)) {
      const table = partStatsTable(embedderStats);
      return { metrics: result, details: table ? [table, ...crossTable] : crossTable };
    }
    if (params.embedder === 'batch') {
      const batchSize = params.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
      const minimum = Math.ceil(texts.length / batchSize);
      result.requests_over_minimum_pct = ((ledger.requests - minimum) / minimum) * 100;
      if (embedderStats.fullBatchesSent !== undefined) result.batches_full = embedderStats.fullBatchesSent;
      if (embedderStats.timerBatchesSent !== undefined) result.batches_on_timer = embedderStats.timerBatchesSent;
      if (embedderStats.flushedBatchesSent !== undefined) result.batches_flushed = embedderStats.flushedBatchesSent;
      if (workload.measureBatcherOverhead && context.repetition === 0 && !context.compressedTime) {
        const overhead = await measureBatcherOverhead({ texts: texts.slice(0, 2000), maxBatchSize: batchSize });
        result.batcher_overhead_us_per_text = overhead.overheadUsPerText;
      }
    }
    return { metrics: result, details: crossTable };
  },
};

function seededRandom(context: RunContext): () => number {
  const rng = createRng(context.seed).fork(`batch-jitter:${context.repetition}`);
  return () => rng.next();
}

/** Retries per request of the batching embedder by default (the SDK's default is 2). */
const INGEST_MAX_RETRIES = 6;

/**
 * The most an ingest scenario sends: every text sent alone (the naive embedder's plan, the most requests), up to
 * 7 attempts (6 retries: the batching embedder's default), on every run of both sides; no prepare requests.
 */
async function ingestApiRequests(workload: IngestWorkload, { runs }: ApiRequestContext): Promise<ApiRequestPlan[]> {
  const texts = (await loadDataset(workload.dataset)).slice(0, workload.size).map((r) => r.text);
  return [{ texts, model: workload.model, batching: { inputsPerRequest: 1, maxRetries: INGEST_MAX_RETRIES }, times: runs.baseline + runs.optimized }];
}
