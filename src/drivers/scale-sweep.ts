/**
 * The scale sweep: each index of a list built at each collection size N from the same vectors, streamed in chunks
 * (never held whole twice), and measured on the same held-out queries: bytes per vector (the index's own count,
 * and what the process's heap and off-heap memory grew by), build time, query p50/p99, recall@10 against exact
 * search. The exact answers come from the first index of each N, which must be an exact one (FlatIndex: an exact
 * float32 scan over the same vectors); the sweep refuses to go on if it is not. Indexes are built one at a time and
 * closed before the next, so the peak is one index plus one chunk.
 *
 * Measuring only: rows are plain data handed to `onRow` as each is measured (a later crash loses nothing); the
 * script (scripts/scale-sweep.ts) writes the CSV and charts.
 */
import { RunError } from '../errors.ts';
import type { SearchHit, VectorIndex } from '../memory/types.ts';
import { createIndex, isExactIndex, searchSettingsOf, StoreConnections, type IndexParams } from '../parts/registry.ts';
import { recallAtK } from '../parts/vector-index/recall.ts';
import { loadIndexInChunks, mean, timedSearches, type IndexEntry } from '../measure/index-runs.ts';
import { percentiles } from '../measure/latency.ts';
import { forceGc } from '../measure/memory-probe.ts';
import { settle } from '../util/maybe-promise.ts';

/** One index of the sweep: a label, its registry params, and the search-time settings measured on one build. */
export interface ScaleIndexSpec {
  label: string;
  params: IndexParams;
  /** Further search-time settings (setSearchParams) measured on the same build after `params`' own. */
  searchSweep?: ReadonlyArray<Record<string, number>>;
  /** Largest N built (larger N get a 'skipped' row saying so). Default: every N. */
  maxN?: number;
  /** Why it stops at maxN, for the skipped rows. */
  stopReason?: string;
}

export interface ScaleSweepInput {
  sizes: readonly number[];
  dimensions: number;
  indexes: readonly ScaleIndexSpec[];
  /** The first n vectors, in chunks of entries; called once per index build. */
  chunks(n: number): AsyncIterable<readonly IndexEntry[]>;
  /** The fit sample for n vectors (evenly spaced rows). */
  sample(n: number): Promise<ArrayLike<number>[]>;
  queries: readonly ArrayLike<number>[];
  /** Untimed searches before the timed ones (warms caches and JIT). Default 10. */
  warmupQueries?: number;
  k: number;
  /** A few stored rows of n (id and vector): the exact index must find each as its own best match before it is trusted. */
  storedRows(n: number): Promise<Array<{ id: string; vector: ArrayLike<number> }>>;
  log?: (message: string) => void;
  /** Sees each N's ground truth (the exact index's top-k ids per query), e.g. to check it against a float64 scan. */
  onGroundTruth?(n: number, exact: readonly (readonly string[])[]): void;
}

export type ScaleRowStatus = 'measured' | 'skipped' | 'failed';

export interface ScaleRow {
  n: number;
  index: string;
  /** The index's own description of its settings, and the search-time setting of this row. */
  setting: string;
  searchSetting: string;
  status: ScaleRowStatus;
  /** Why skipped or failed. */
  note: string;
  fitMs: number;
  buildMs: number;
  /** What the index counts as held (memoryBytes), and the part of it outside the JS heap (externalBytes). */
  indexBytes: number;
  indexExternalBytes: number;
  /** What the process grew by while the index was built, after a full GC each side: V8 heap, and off-heap (external, which includes array buffers and WebAssembly memory). */
  heapDeltaBytes: number;
  externalDeltaBytes: number;
  rssDeltaBytes: number;
  queryP50Ms: number;
  queryP99Ms: number;
  queryMeanMs: number;
  recallAt10: number;
  queries: number;
}

function usage() {
  forceGc();
  const u = process.memoryUsage();
  return { heap: u.heapUsed, external: u.external, rss: u.rss };
}

function settingOf(index: VectorIndex, params: IndexParams): string {
  return index.describe?.().setting ?? params.index;
}

const emptyRow = (n: number, spec: ScaleIndexSpec, status: ScaleRowStatus, note: string): ScaleRow => ({
  n,
  index: spec.label,
  setting: '',
  searchSetting: '',
  status,
  note,
  fitMs: Number.NaN,
  buildMs: Number.NaN,
  indexBytes: Number.NaN,
  indexExternalBytes: Number.NaN,
  heapDeltaBytes: Number.NaN,
  externalDeltaBytes: Number.NaN,
  rssDeltaBytes: Number.NaN,
  queryP50Ms: Number.NaN,
  queryP99Ms: Number.NaN,
  queryMeanMs: Number.NaN,
  recallAt10: Number.NaN,
  queries: 0,
});

function describeSettings(settings: Record<string, number | string>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
}

/** The fit's rows and the index's own timing counters (pgvector's ANN build apart from its inserts), for the row's note. */
function noteOf(index: VectorIndex, fitRows: number | undefined): string {
  const parts = fitRows ? [`fit on ${fitRows} rows`] : [];
  for (const [name, value] of Object.entries(index.stats?.() ?? {})) if (/Ms$/.test(name)) parts.push(`${name} ${value.toFixed(0)}`);
  return parts.join('; ');
}

/** The ground truth's index must answer a stored vector with itself at cosine 1 (within float32 rounding). */
async function checkExact(index: VectorIndex, stored: Array<{ id: string; vector: ArrayLike<number> }>, k: number): Promise<void> {
  for (const { id, vector } of stored) {
    const hits = await settle(index.search(vector, k));
    if (!hits.some((h) => h.id === id) || Math.abs(hits[0].score - 1) > 1e-5) {
      throw new RunError(`the exact index does not find stored vector ${id} as its own best match (best: ${hits[0]?.id} at ${hits[0]?.score})`);
    }
  }
}

/**
 * Runs the sweep: for each N, the indexes in order, the first an exact one whose answers are the ground truth.
 * A failing index is a 'failed' row (its error's message) and the sweep goes on; a failing exact index stops it.
 */
export async function runScaleSweep(input: ScaleSweepInput, onRow: (row: ScaleRow) => void | Promise<void>): Promise<void> {
  const [first] = input.indexes;
  if (!first || !isExactIndex(first.params)) throw new RunError('the scale sweep needs an exact index first (its answers are the ground truth): put flat first');
  const stores = new StoreConnections();
  const warmup = input.warmupQueries ?? 10;
  const queries = input.queries.map((vector) => ({ vector }));
  try {
    for (const n of input.sizes) {
      let exact: string[][] | undefined;
      for (const spec of input.indexes) {
        if (spec.maxN !== undefined && n > spec.maxN) {
          await onRow(emptyRow(n, spec, 'skipped', spec.stopReason ?? `beyond its largest N (${spec.maxN})`));
          continue;
        }
        if (!exact && spec !== first) throw new RunError('no ground truth for this N');
        let index: VectorIndex | undefined;
        try {
          const before = usage();
          index = await createIndex(spec.params, { capacity: n, dimensions: input.dimensions, stores });
          const sample = index.fit ? await input.sample(n) : [];
          input.log?.(`N=${n} ${spec.label}: loading`);
          const load = await loadIndexInChunks(index, input.chunks(n), sample);
          sample.length = 0;
          const after = usage();
          const indexBytes = await settle(index.memoryBytes());
          const indexExternalBytes = index.externalBytes ? await settle(index.externalBytes()) : 0;
          if (index.size !== n) throw new RunError(`${spec.label} holds ${index.size} vectors after loading ${n}`);
          if (spec === first) await checkExact(index, await input.storedRows(n), input.k);
          const settings: Array<Record<string, number | string>> = [searchSettingsOf(spec.params), ...(spec.searchSweep ?? [])];
          for (const searchSettings of settings) {
            if (Object.keys(searchSettings).length > 0) index.setSearchParams?.(searchSettings);
            for (let q = 0; q < Math.min(warmup, queries.length); q++) await settle(index.search(queries[q].vector, input.k));
            const { results, durations } = await timedSearches(index, queries, input.k);
            if (spec === first) {
              exact = results.map((hits: SearchHit[]) => hits.map((h) => h.id));
              input.onGroundTruth?.(n, exact);
            }
            const [p50, p99] = percentiles(durations, [0.5, 0.99]);
            const row: ScaleRow = {
              n,
              index: spec.label,
              setting: settingOf(index, spec.params),
              searchSetting: describeSettings(searchSettings),
              status: 'measured',
              note: noteOf(index, load.fit?.sampleRows),
              fitMs: load.fitMs,
              buildMs: load.buildMs,
              indexBytes,
              indexExternalBytes,
              heapDeltaBytes: after.heap - before.heap,
              externalDeltaBytes: after.external - before.external,
              rssDeltaBytes: after.rss - before.rss,
              queryP50Ms: p50,
              queryP99Ms: p99,
              queryMeanMs: mean(durations),
              recallAt10: recallAtK(results, exact!, input.k),
              queries: queries.length,
            };
            input.log?.(
              `N=${n} ${spec.label} [${row.searchSetting || row.setting}]: build ${(load.fitMs + load.buildMs).toFixed(0)} ms, ` +
                `${(indexBytes / n).toFixed(1)} B/vector, p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, recall@${input.k} ${row.recallAt10.toFixed(4)}`,
            );
            await onRow(row);
          }
        } catch (error) {
          if (spec === first) throw error;
          const message = error instanceof Error ? error.message : String(error);
          input.log?.(`N=${n} ${spec.label}: failed: ${message}`);
          await onRow(emptyRow(n, spec, 'failed', message.split('\n')[0]));
        } finally {
          // A store whose query timed out may also fail to close: said, and the sweep goes on to the next index.
          try {
            if (index) await settle(index.close?.({ drop: true }));
          } catch (error) {
            input.log?.(`N=${n} ${spec.label}: close failed: ${error instanceof Error ? error.message : String(error)}`);
          }
          index = undefined;
          forceGc();
        }
      }
    }
  } finally {
    await stores.close();
  }
}
