/**
 * The measuring loop every index workload shares: an index goes through its lifecycle (fit, bulk load, build: the
 * contract's optional steps, src/memory/types.ts), is asked the same queries, and is summarized as recall against
 * exact ids, query times and bytes. A list of registry params is measured one after another, params that differ
 * only in search-time settings sharing one build (setSearchParams).
 */
import type { EntryAttributes, IndexFitReport, SearchFilter, SearchHit, VectorIndex } from '../memory/types.ts';
import { buildKeyOf, createIndex, searchSettingsOf, type IndexEnvironment, type IndexParams } from '../parts/registry.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';
import { recallAtK } from '../parts/vector-index/recall.ts';
import { percentiles } from './latency.ts';

export type IndexEntry = readonly [string, ArrayLike<number>, EntryAttributes?];

/** What loading an index took: its fit (if it has one), then the bulk load and build(). */
export interface IndexLoad {
  fitMs: number;
  /** What fit() reported (undefined without fit, or when it reported nothing). */
  fit: IndexFitReport | undefined;
  /** addMany (or add per entry) plus build(): the time to a searchable index. */
  buildMs: number;
}

/** Fits the index on `sample` when it has fit(), adds every entry (addMany when it has it), then build(). */
export async function loadIndex(index: VectorIndex, entries: readonly IndexEntry[], sample: readonly ArrayLike<number>[]): Promise<IndexLoad> {
  let fitMs = 0;
  let fit: IndexFitReport | undefined;
  if (index.fit) {
    const started = performance.now();
    fit = ((await settle(index.fit(sample))) ?? undefined) as IndexFitReport | undefined;
    fitMs = performance.now() - started;
  }
  const started = performance.now();
  if (index.addMany) await settle(index.addMany(entries));
  else for (const [id, vector, attributes] of entries) await settle(index.add(id, vector, attributes));
  if (index.build) await settle(index.build());
  return { fitMs, fit, buildMs: performance.now() - started };
}

/**
 * Like loadIndex, for a collection too large to hold twice: entries arrive in chunks (read from a file, generated)
 * and each chunk is added (addMany, else add per entry) before the next is read. buildMs counts the adds and build()
 * only, not the time spent producing the chunks.
 */
export async function loadIndexInChunks(index: VectorIndex, chunks: AsyncIterable<readonly IndexEntry[]>, sample: readonly ArrayLike<number>[]): Promise<IndexLoad> {
  let fitMs = 0;
  let fit: IndexFitReport | undefined;
  if (index.fit) {
    const started = performance.now();
    fit = ((await settle(index.fit(sample))) ?? undefined) as IndexFitReport | undefined;
    fitMs = performance.now() - started;
  }
  let buildMs = 0;
  for await (const entries of chunks) {
    const started = performance.now();
    if (index.addMany) await settle(index.addMany(entries));
    else for (const [id, vector, attributes] of entries) await settle(index.add(id, vector, attributes));
    buildMs += performance.now() - started;
  }
  const started = performance.now();
  if (index.build) await settle(index.build());
  return { fitMs, fit, buildMs: buildMs + performance.now() - started };
}

/** One query: its vector, and the filter it is asked within (if any). */
export interface IndexQuery {
  vector: ArrayLike<number>;
  filter?: SearchFilter;
}

/** Each query's hits and time; a promise (an out-of-process index) is awaited inside the timed span, a plain answer costs no tick. */
export async function timedSearches(index: VectorIndex, queries: readonly IndexQuery[], k: number): Promise<{ results: SearchHit[][]; durations: number[] }> {
  const results: SearchHit[][] = [];
  const durations: number[] = [];
  for (const q of queries) {
    const started = performance.now();
    let hits = index.search(q.vector, k, q.filter);
    if (isPromise(hits)) hits = await hits;
    durations.push(performance.now() - started);
    results.push(hits);
  }
  return { results, durations };
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, x) => s + x, 0) / Math.max(1, values.length);
}

/** One measured setting of an index. */
export interface IndexMeasurement {
  params: IndexParams;
  index: VectorIndex;
  load: IndexLoad;
  recall1: number;
  recallK: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  bytes: number;
}

export interface IndexMeasureInput {
  entries: readonly IndexEntry[];
  /** The fit sample (normally the stored vectors). */
  sample: readonly ArrayLike<number>[];
  queries: readonly IndexQuery[];
  /** Exact top-k ids per query. */
  exact: readonly (readonly string[])[];
  k: number;
  environment: IndexEnvironment;
  log?: (message: string) => void;
}

/**
 * Builds the index of each params in turn and measures it; consecutive params with the same build key share one
 * build (the second only changes search-time settings). `onMeasured` sees each setting while its index is open;
 * every index is closed (dropping what it stored elsewhere) before the next build and when this returns or throws.
 */
export async function measureIndexes(paramsList: readonly IndexParams[], input: IndexMeasureInput, onMeasured: (m: IndexMeasurement) => void | Promise<void>): Promise<void> {
  let open: { key: string; index: VectorIndex; load: IndexLoad } | undefined;
  const closeOpen = async () => {
    const closing = open;
    open = undefined;
    if (closing) await settle(closing.index.close?.({ drop: true }));
  };
  try {
    for (const params of paramsList) {
      const key = buildKeyOf(params);
      if (open?.key !== key) {
        await closeOpen();
        const index = await createIndex(params, input.environment);
        open = { key, index, load: { fitMs: 0, fit: undefined, buildMs: 0 } };
        open.load = await loadIndex(index, input.entries, input.sample);
      } else open.index.setSearchParams?.(searchSettingsOf(params));
      const { index, load } = open;
      const { results, durations } = await timedSearches(index, input.queries, input.k);
      const [p50Ms, p95Ms] = percentiles(durations, [0.5, 0.95]);
      const measured: IndexMeasurement = {
        params,
        index,
        load,
        recall1: recallAtK(results, input.exact as string[][], 1),
        recallK: recallAtK(results, input.exact as string[][], input.k),
        meanMs: mean(durations),
        p50Ms,
        p95Ms,
        bytes: await settle(index.memoryBytes()),
      };
      input.log?.(`${index.describe?.().setting ?? params.index}: recall@${input.k} ${measured.recallK.toFixed(4)}, ${measured.meanMs.toFixed(3)} ms per search`);
      await onMeasured(measured);
    }
  } finally {
    await closeOpen();
  }
}
