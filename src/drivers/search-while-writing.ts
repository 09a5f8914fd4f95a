/**
 * The search-while-writing workload: searches run while inserts, updates and deletes arrive at a set rate (a seeded
 * schedule on a virtual clock, src/measure/write-schedule.ts), against quiet blocks of the same searches with no
 * writes, interleaved block by block in one process.
 *
 * The two variants are a MemorySystem over FlatIndex driven by the schedule through its texts (add, update, delete,
 * search by query text): the baseline without a result cache, the optimized side with the one the variant names
 * (memopt's SearchCache by default). After every search its answer is compared with an uncached search at the same
 * point (no write in between): an answer that differs is a stale result. Lost writes: at the end, every memory the
 * schedule left must hold its last text, every deleted one must be gone, and the counts must agree.
 *
 * On the optimized side's first repetition every index of `workload.indexes` is driven by the same schedule directly
 * (index.add / remove / search, no cache), one row each in the table `streaming`: search p99 in writing blocks over
 * p99 in quiet blocks (timing ratio, interleaved), recall@k against the exact answer over the data as it stood at
 * each search, hits of memories already deleted, and lost writes (each memory written carries its id as metadata, so
 * a search filtered on it finds its current content, at cosine >= 0.99 with what was written; a deleted one must
 * find nothing; and index.size must equal the live count).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { shippedDataPath } from '../datasets/defaults.ts';
import { InputError } from '../errors.ts';
import { SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import type { DetailTable, InputDeclaration, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import type { MemoryResult, SearchHit, SearchResultCache, VectorIndex } from '../memory/types.ts';
import { cacheParamsSchema, createCache, createIndex, INDEX_KINDS, indexParamsSchema, isExactIndex, postgresVariablesOf, StoreConnections, type IndexParams } from '../parts/registry.ts';
import { queryRecall } from '../parts/vector-index/recall.ts';
import { loadIndex } from '../measure/index-runs.ts';
import { percentiles } from '../measure/latency.ts';
import { PrecomputedEmbedder } from '../measure/precomputed-embedder.ts';
import { loadWorkloadVectors, SHIPPED_MODEL } from '../measure/workload-vectors.ts';
import { buildWriteSchedule, type WriteSchedule } from '../measure/write-schedule.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';

const workloadSchema = z
  .object({
    vectors: z.literal(SHIPPED_MODEL).optional(),
    dataset: z.string().default(shippedDataPath('memories.jsonl')),
    queries: z.string().default(shippedDataPath('queries.jsonl')),
    /** Memories stored before the schedule starts (the first `size` of the dataset). */
    size: z.number().int().min(2),
    /** Dataset rows after the first `size` that inserts and updates take their new texts from, in order. */
    poolSize: z.number().int().min(1),
    /** Distinct query texts the searches draw from (few: so a result cache has something to hit). */
    queryCount: z.number().int().min(1),
    blockPairs: z.number().int().min(1),
    searchesPerBlock: z.number().int().min(1),
    /** Virtual rates: they decide how many writes fall between two searches, never how long anything waits. */
    searchesPerSecond: z.number().positive().default(200),
    writesPerSecond: z.number().min(0).default(100),
    mix: z
      .object({ insert: z.number().min(0), update: z.number().min(0), delete: z.number().min(0) })
      .strict()
      .default({ insert: 0.4, update: 0.4, delete: 0.2 }),
    k: z.number().int().min(1).default(10),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().min(1).optional(),
    /** Indexes of the table `streaming` (optimized side, first repetition). */
    indexes: z.array(indexParamsSchema).default([]),
  })
  .strict();

const variantSchema = z.object({ cache: cacheParamsSchema }).strict();

export type SearchWhileWritingWorkload = z.output<typeof workloadSchema>;
export type SearchWhileWritingVariant = z.output<typeof variantSchema>;

const metrics: MetricSpec[] = [
  { name: 'stale_results', unit: 'searches', kind: 'counter', better: 'lower', description: 'searches whose answer differs from an uncached search at the same point of the schedule (no write in between)' },
  { name: 'lost_writes', unit: 'writes', kind: 'counter', better: 'lower', description: 'memories not holding their last text, deleted memories still present, plus |size - live count| (MemorySystem and its index)' },
  { name: 'cache_hits', unit: 'searches', kind: 'counter', better: 'higher', description: 'searches the cache answered without computing' },
  { name: 'recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'recall@k against the exact answer over the memory as it stood at each search, mean over searches' },
  { name: 'writes_applied', unit: 'writes', kind: 'counter', better: 'higher', description: 'inserts + updates + deletes of the schedule' },
  { name: 'search_p99_quiet_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'p99 of MemorySystem.search in quiet blocks' },
  { name: 'search_p99_writing_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'p99 of MemorySystem.search in writing blocks' },
  { name: 'memopt_max_write_p99_ratio', unit: 'x', kind: 'ratio', class: 'timing', better: 'lower', only: 'optimized', description: "highest search p99 under writes / p99 without (interleaved blocks) among memopt's indexes" },
  { name: 'peer_max_write_p99_ratio', unit: 'x', kind: 'ratio', class: 'timing', better: 'lower', only: 'optimized', description: 'the same among the peers (usearch, pgvector)' },
  { name: 'exact_min_recall_under_writes', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: 'lowest recall@k of the exact indexes (flat, pgvector exact) against the data as it stood, writing blocks' },
  { name: 'approx_min_recall_under_writes', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: 'lowest recall@k of the approximate indexes against the data as it stood, writing blocks' },
  { name: 'index_lost_writes', unit: 'writes', kind: 'counter', better: 'lower', only: 'optimized', description: 'lost writes summed over the indexes of the table' },
  { name: 'deleted_results', unit: 'hits', kind: 'counter', better: 'lower', only: 'optimized', description: 'hits of memories deleted before the search, summed over the indexes of the table' },
  { name: 'indexes_measured', unit: 'indexes', kind: 'counter', better: 'higher', only: 'optimized', description: 'rows of the table streaming' },
];

export interface PreparedSearchWhileWriting {
  workload: SearchWhileWritingWorkload;
  texts: string[];
  vectors: Float32Array[];
  poolTexts: string[];
  poolVectors: Float32Array[];
  queryTexts: string[];
  queryVectors: Float32Array[];
  schedule: WriteSchedule;
  stores: StoreConnections;
}

const TABLE_COLUMNS = [
  'index', 'setting', 'searches', 'writes', 'p50_quiet_ms', 'p99_quiet_ms', 'p50_writing_ms', 'p99_writing_ms', 'p99_ratio',
  'write_mean_ms', 'recall_quiet', 'recall_writing', 'deleted_results', 'lost_writes',
];

export const searchWhileWritingDriver: WorkloadDriver<
  SearchWhileWritingWorkload,
  SearchWhileWritingVariant,
  PreparedSearchWhileWriting,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>
> = {
  name: 'search-while-writing',
  workloadSchema,
  variantSchema,
  metrics,

  inputs: (workload) => {
    const out: InputDeclaration[] = [
      { kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.size + workload.poolSize, field: 'workload.size', why: 'size + poolSize' } },
      { kind: 'queries', path: workload.queries, field: 'workload.queries', atLeast: { count: workload.queryCount, field: 'workload.queryCount' } },
    ];
    if (workload.vectors === SHIPPED_MODEL) out.push({ kind: 'vectors', path: join(SHIPPED_VECTORS_DIR, `${SHIPPED_MODEL}.f16.npy`), field: 'workload.vectors' });
    workload.indexes.forEach((p, i) => {
      for (const connectionEnv of postgresVariablesOf(p)) out.push({ kind: 'postgres', connectionEnv, field: `workload.indexes[${i}].connectionEnv` });
    });
    return out;
  },

  async release(prepared) {
    await prepared.stores.close();
  },

  async prepare(workload, { seed, endpoint, postgres }) {
    const loaded = await loadWorkloadVectors({ ...workload, size: workload.size + workload.poolSize }, endpoint, 'search-while-writing');
    const schedule = (() => {
      try {
        return buildWriteSchedule({
          initial: loaded.vectors.slice(0, workload.size),
          pool: loaded.vectors.slice(workload.size),
          queries: loaded.queryVectors,
          blockPairs: workload.blockPairs,
          searchesPerBlock: workload.searchesPerBlock,
          searchesPerSecond: workload.searchesPerSecond,
          writesPerSecond: workload.writesPerSecond,
          mix: workload.mix,
          k: workload.k,
          seed,
        });
      } catch (error) {
        if (error instanceof RangeError) throw new InputError({ field: 'workload.poolSize' }, error.message);
        throw error;
      }
    })();
    return {
      workload,
      texts: loaded.texts.slice(0, workload.size),
      vectors: loaded.vectors.slice(0, workload.size),
      poolTexts: loaded.texts.slice(workload.size),
      poolVectors: loaded.vectors.slice(workload.size),
      queryTexts: loaded.queryTexts,
      queryVectors: loaded.queryVectors,
      schedule,
      stores: new StoreConnections(postgres),
    };
  },

  async run(prepared, params, context) {
    const out = await runThroughMemory(prepared, params);
    context.log(
      `${prepared.schedule.counts.searches} searches, ${out.metrics.writes_applied} writes (${params.cache.cache}): ${out.metrics.stale_results} stale, ${out.metrics.cache_hits} cache hits, ${out.metrics.lost_writes} lost writes`,
    );
    const details: DetailTable[] = [];
    if (context.side === 'optimized' && context.repetition === 0 && prepared.workload.indexes.length > 0) {
      const table = await measureStreamingTable(prepared, (m) => context.log(m));
      details.push(table.details);
      Object.assign(out.metrics, table.metrics);
    }
    return { metrics: out.metrics, details };
  },
};

/** Stale results are exactly this: the served answer against a fresh uncached one at the same point. */
export function sameAnswer(served: readonly MemoryResult[], fresh: readonly MemoryResult[]): boolean {
  if (served.length !== fresh.length) return false;
  for (let i = 0; i < served.length; i++) {
    if (served[i].id !== fresh[i].id || served[i].text !== fresh[i].text || Math.abs(served[i].score - fresh[i].score) > 1e-9) return false;
  }
  return true;
}

/** The schedule through a MemorySystem (FlatIndex) with the variant's cache: stale results, lost writes, recall. */
export async function runThroughMemory(
  prepared: PreparedSearchWhileWriting,
  params: SearchWhileWritingVariant,
  options: { cache?: SearchResultCache } = {},
): Promise<{ metrics: MetricValues }> {
  const { workload, schedule } = prepared;
  const index = await createIndex({ index: 'flat' }, { capacity: prepared.texts.length + schedule.counts.inserts });
  const vectorsByText: Array<readonly [string, Float32Array]> = [
    ...prepared.texts.map((t, i) => [t, prepared.vectors[i]] as const),
    ...prepared.poolTexts.map((t, i) => [t, prepared.poolVectors[i]] as const),
    ...prepared.queryTexts.map((t, i) => [t, prepared.queryVectors[i]] as const),
  ];
  const embedder = new PrecomputedEmbedder(vectorsByText);
  let memory: MemorySystem | undefined;
  const built = options.cache
    ? { cache: options.cache, queryEmbedder: embedder }
    : await createCache(params.cache, { embedder, index, record: (id) => memory?.get(id) });
  memory = new MemorySystem({ embedder, queryEmbedder: built.queryEmbedder, index, cache: built.cache });
  // Schedule ids (m<i> initial, w<j> inserted) to the memory's own ids.
  const memoryId = new Map<string, string>();
  const initialIds = await memory.addMany(prepared.texts);
  initialIds.forEach((id, i) => memoryId.set(`m${i}`, id));
  const scheduleId = new Map<string, string>([...memoryId].map(([s, m]) => [m, s]));
  const durations = { quiet: [] as number[], writing: [] as number[] };
  let stale = 0;
  let hits = 0;
  let recallSum = 0;
  for (const event of schedule.events) {
    if (event.kind === 'insert') {
      const id = await memory.add(prepared.poolTexts[event.row]);
      memoryId.set(event.id, id);
      scheduleId.set(id, event.id);
    } else if (event.kind === 'update') await memory.update(memoryId.get(event.id)!, prepared.poolTexts[event.row]);
    else if (event.kind === 'delete') await memory.delete(memoryId.get(event.id)!);
    else {
      const query = prepared.queryTexts[event.query];
      const status: { computed?: boolean } = {};
      const started = performance.now();
      const served = await memory.search(query, { topK: workload.k }, status);
      durations[event.phase].push(performance.now() - started);
      if (!status.computed) hits++;
      const fresh = await memory.searchUncached(query, { topK: workload.k });
      if (!sameAnswer(served, fresh)) stale++;
      recallSum += queryRecall(served.map((r) => scheduleId.get(r.id) ?? r.id), event.exact, workload.k);
    }
  }
  // Lost writes: every live memory holds its last text, every deleted one is gone, the counts agree.
  let lost = Math.abs(memory.size - schedule.finalRows.size) + Math.abs(memory.index.size - schedule.finalRows.size);
  for (const [id, row] of schedule.finalRows) {
    const expected = row < 0 ? prepared.texts[Number(id.slice(1))] : prepared.poolTexts[row];
    if (memory.get(memoryId.get(id)!)?.text !== expected) lost++;
  }
  for (const id of schedule.deleted) if (memory.get(memoryId.get(id)!) !== undefined) lost++;
  const { counts } = schedule;
  return {
    metrics: {
      stale_results: stale,
      lost_writes: lost,
      cache_hits: hits,
      recall_at_10: recallSum / counts.searches,
      writes_applied: counts.inserts + counts.updates + counts.deletes,
      search_p99_quiet_ms: percentiles(durations.quiet, [0.99])[0],
      search_p99_writing_ms: percentiles(durations.writing, [0.99])[0],
    },
  };
}

/** Drives every index of the workload through the schedule directly; one row each. */
async function measureStreamingTable(prepared: PreparedSearchWhileWriting, log: (message: string) => void): Promise<{ details: DetailTable; metrics: MetricValues }> {
  const { workload } = prepared;
  const rows: DetailTable['rows'] = [];
  const maxRatio = { memopt: 0, peer: 0 };
  let exactMin = Infinity;
  let approxMin = Infinity;
  let lostTotal = 0;
  let deletedTotal = 0;
  for (const params of workload.indexes) {
    const m = await measureOneIndex(prepared, params);
    rows.push([params.index, m.setting, m.searches, m.writes, m.p50Quiet, m.p99Quiet, m.p50Writing, m.p99Writing, m.ratio, m.writeMeanMs, m.recallQuiet, m.recallWriting, m.deletedResults, m.lost]);
    const owner = params.index === 'usearch' || params.index === 'pgvector' ? 'peer' : 'memopt';
    maxRatio[owner] = Math.max(maxRatio[owner], m.ratio);
    if (isExactIndex(params)) exactMin = Math.min(exactMin, m.recallWriting);
    else approxMin = Math.min(approxMin, m.recallWriting);
    lostTotal += m.lost;
    deletedTotal += m.deletedResults;
    log(`${m.setting}: p99 under writes / quiet ${m.ratio.toFixed(2)}x, recall@${workload.k} ${m.recallWriting.toFixed(4)} under writes, ${m.lost} lost writes`);
  }
  const finite = (x: number) => (Number.isFinite(x) ? x : Number.NaN);
  return {
    details: { name: 'streaming', columns: TABLE_COLUMNS, rows },
    metrics: {
      memopt_max_write_p99_ratio: maxRatio.memopt > 0 ? maxRatio.memopt : Number.NaN,
      peer_max_write_p99_ratio: maxRatio.peer > 0 ? maxRatio.peer : Number.NaN,
      exact_min_recall_under_writes: finite(exactMin),
      approx_min_recall_under_writes: finite(approxMin),
      index_lost_writes: lostTotal,
      deleted_results: deletedTotal,
      indexes_measured: rows.length,
    },
  };
}

/** Builds an index for params (the registry's createIndex; tests pass a deliberately broken one). */
export type IndexBuilder = typeof createIndex;

/** Drives one index through the schedule: timings per phase, recall against the data as it stood, lost writes. */
export async function measureOneIndex(prepared: PreparedSearchWhileWriting, params: IndexParams, build: IndexBuilder = createIndex) {
  const { workload, schedule } = prepared;
  const k = workload.k;
  const environment = {
    capacity: prepared.vectors.length + schedule.counts.inserts,
    dimensions: prepared.vectors[0].length,
    stores: prepared.stores,
  };
  const index = await build(params, environment);
  try {
    await loadIndex(index, prepared.vectors.map((v, i) => [`m${i}`, v, { metadata: { memory: `m${i}` } }] as const), prepared.vectors);
    const setting = index.describe?.().setting ?? params.index;
    const live = new Set<string>(prepared.vectors.map((_, i) => `m${i}`));
    const durations = { quiet: [] as number[], writing: [] as number[] };
    const recall = { quiet: 0, writing: 0 };
    const searches = { quiet: 0, writing: 0 };
    const writeDurations: number[] = [];
    let deletedResults = 0;
    for (const event of schedule.events) {
      if (event.kind === 'search') {
        const started = performance.now();
        let hits: SearchHit[] | Promise<SearchHit[]> = index.search(prepared.queryVectors[event.query], k);
        if (isPromise(hits)) hits = await hits;
        durations[event.phase].push(performance.now() - started);
        recall[event.phase] += queryRecall(hits, event.exact, k);
        searches[event.phase]++;
        for (const h of hits) if (!live.has(h.id)) deletedResults++;
        continue;
      }
      const started = performance.now();
      if (event.kind === 'delete') {
        await settle(index.remove(event.id));
        live.delete(event.id);
      } else {
        await settle(index.add(event.id, prepared.poolVectors[event.row], { metadata: { memory: event.id } }));
        live.add(event.id);
      }
      writeDurations.push(performance.now() - started);
    }
    const lost = await countLostWrites(index, prepared, k);
    const [p50Quiet, p99Quiet] = percentiles(durations.quiet, [0.5, 0.99]);
    const [p50Writing, p99Writing] = percentiles(durations.writing, [0.5, 0.99]);
    return {
      setting,
      searches: searches.quiet + searches.writing,
      writes: writeDurations.length,
      p50Quiet,
      p99Quiet,
      p50Writing,
      p99Writing,
      ratio: p99Writing / p99Quiet,
      writeMeanMs: writeDurations.reduce((a, b) => a + b, 0) / Math.max(1, writeDurations.length),
      recallQuiet: recall.quiet / Math.max(1, searches.quiet),
      recallWriting: recall.writing / Math.max(1, searches.writing),
      deletedResults,
      lost,
      store: INDEX_KINDS[params.index].role === 'store',
    };
  } finally {
    await settle(index.close?.({ drop: true }));
  }
}

/** Cosine at or above which a hit is taken to be the content written (quantized indexes score their own vector below 1). */
const SAME_CONTENT = 0.99;

/**
 * Lost writes of an index after the schedule: every memory written (inserted or updated) must be found, by a search
 * filtered on its id, with its last content (its own vector scoring >= 0.99; the schedule made an update's new
 * vector differ from the old by more); every deleted memory must find nothing; index.size must equal the live count.
 */
async function countLostWrites(index: VectorIndex, prepared: PreparedSearchWhileWriting, k: number): Promise<number> {
  const { schedule } = prepared;
  let lost = Math.abs(index.size - schedule.finalRows.size);
  for (const [id, row] of schedule.finalRows) {
    if (row < 0) continue; // never written after the load
    let hits = index.search(prepared.poolVectors[row], k, { metadata: { memory: id } });
    if (isPromise(hits)) hits = await hits;
    if (!hits.some((h) => h.id === id && h.score >= SAME_CONTENT)) lost++;
  }
  for (const id of schedule.deleted) {
    const vector = id.startsWith('m') ? prepared.vectors[Number(id.slice(1))] : prepared.poolVectors[0];
    let hits = index.search(vector, k, { metadata: { memory: id } });
    if (isPromise(hits)) hits = await hits;
    if (hits.length > 0) lost++;
  }
  return lost;
}
