/**
 * The methods users actually pick, measured on the same vectors, queries and exact ground truth as memopt's own
 * indexes, as rows of one table (`pareto_peers`): binary codes with oversampled re-scoring, Matryoshka truncation,
 * usearch's HNSW (f32, f16, i8, b1) and pgvector, each with its settings swept. Each row: recall@1 and recall@k,
 * bytes per vector including every fixed part (and how the bytes were obtained), build time and mean query time.
 *
 * A peer method is shorthand for a list of registry params (one per setting, `peerParams`), measured by the shared
 * index loop (src/measure/index-runs.ts): settings that differ only at search time share one build.
 */
import { z } from 'zod';
import type { DetailTable } from '../harness/types.ts';
import { USEARCH_QUANTIZATIONS } from '../parts/vector-index/params.ts';
import type { IndexParams, StoreConnections } from '../parts/registry.ts';
import { measureIndexes, type IndexEntry } from '../measure/index-runs.ts';

/** One peer method of the sweep, with the settings it is measured at. */
export const peerMethodSchema = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('binary'),
      /** Shortlist sizes, as multiples of k. */
      oversample: z.array(z.number().int().min(1)).min(1).default([1, 3, 10]),
      rescore: z.enum(['int8', 'float32']).default('int8'),
      /** Thresholds at the sample mean (fit) rather than 0. */
      centre: z.boolean().default(true),
    })
    .strict(),
  z.object({ method: z.literal('matryoshka'), dimensions: z.array(z.number().int().min(1)).min(1).default([256, 512]) }).strict(),
  z
    .object({
      method: z.literal('usearch'),
      quantization: z.array(z.enum(USEARCH_QUANTIZATIONS)).min(1).default(['f32', 'f16', 'i8', 'b1']),
      expansionSearch: z.array(z.number().int().min(1)).min(1).default([16, 64, 256]),
      connectivity: z.number().int().min(2).default(16),
      expansionAdd: z.number().int().min(1).default(128),
    })
    .strict(),
  /**
   * pgvector in Postgres (the scenario's database): one table per storage x search, built once, its search
   * parameter swept (ef_search for HNSW, probes for IVFFlat). Bytes as Postgres reports the table with all its
   * indexes (pg_total_relation_size). ANN builds are capped by `maxBuildRows`: a larger collection skips them.
   */
  z
    .object({
      method: z.literal('pgvector'),
      storage: z.enum(['vector', 'halfvec', 'binary']).default('vector'),
      search: z.enum(['exact', 'hnsw', 'ivfflat']).default('exact'),
      m: z.number().int().min(2).max(100).default(16),
      efConstruction: z.number().int().min(4).max(1000).default(64),
      /** HNSW: ef_search values swept. */
      efSearch: z.array(z.number().int().min(1).max(1000)).min(1).default([10, 40, 100]),
      lists: z.number().int().min(1).optional(),
      /** IVFFlat: probes swept. */
      probes: z.array(z.number().int().min(1)).min(1).default([1, 5, 10]),
      rerankFactor: z.number().int().min(1).default(10),
      /** Skip the ANN build (a row saying so) above this many vectors: keeps a quick gate inside its budget. */
      maxBuildRows: z.number().int().min(1).default(20_000),
      connectionEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    })
    .strict(),
]);
export type PeerMethod = z.output<typeof peerMethodSchema>;

export const PARETO_COLUMNS = [
  'method', 'setting', 'bytes_per_vector', 'index_bytes', 'bytes_how', 'build_ms', 'query_mean_ms', 'recall_at_1', 'recall_at_10', 'on_front',
];

export interface ParetoInput {
  ids: readonly string[];
  vectors: readonly ArrayLike<number>[];
  queries: readonly ArrayLike<number>[];
  /** Exact top-k ids per query, best first. */
  exact: readonly (readonly string[])[];
  /** Results per query; recall@1 and recall@k are reported (the column keeps the name recall_at_10 for the chart). */
  k: number;
  methods: readonly PeerMethod[];
  /** Where pgvector peers open their tables (needed only for them). */
  stores?: StoreConnections;
  log?: (message: string) => void;
}

/** The registry params a peer method stands for, one per setting, in the order measured (`rows`: the collection size). */
export function peerParams(spec: PeerMethod, rows: number, dims: number, log: (message: string) => void = () => {}): IndexParams[] {
  switch (spec.method) {
    case 'binary':
      return spec.oversample.map((oversample) => ({ index: 'binary', oversample, rescore: spec.rescore, centre: spec.centre }));
    case 'matryoshka':
      return spec.dimensions.filter((d) => d <= dims).map((dimensions) => ({ index: 'matryoshka', dimensions }));
    case 'usearch':
      return spec.quantization.flatMap((quantization) =>
        spec.expansionSearch.map((expansionSearch) => ({ index: 'usearch', quantization, expansionSearch, connectivity: spec.connectivity, expansionAdd: spec.expansionAdd }) as const),
      );
    case 'pgvector': {
      if (spec.search !== 'exact' && rows > spec.maxBuildRows) {
        log(`peers: pgvector ${spec.storage} ${spec.search} skipped: ${rows} vectors > maxBuildRows ${spec.maxBuildRows}`);
        return [];
      }
      const { method: _m, maxBuildRows: _max, efSearch, probes, ...rest } = spec;
      const sweep = spec.search === 'hnsw' ? efSearch.map((ef) => ({ efSearch: ef, probes: 1 })) : spec.search === 'ivfflat' ? probes.map((p) => ({ efSearch: 40, probes: p })) : [{ efSearch: 40, probes: 1 }];
      // Unfiltered searches here: iterative scans (a filtered search's setting) stay at the store's default.
      return sweep.map((setting) => ({ index: 'pgvector', ...rest, ...setting, iterativeScan: 'relaxed_order', maxScanTuples: 20_000, plan: 'auto' }) as const);
    }
  }
}

/** Measures every method at every setting; rows in the order given, `on_front` over these rows. */
export async function measurePeers(input: ParetoInput): Promise<DetailTable> {
  const { ids, vectors, queries, exact, k, methods } = input;
  const log = input.log ?? (() => {});
  const entries: IndexEntry[] = ids.map((id, i) => [id, vectors[i]]);
  const dims = vectors[0]?.length ?? 0;
  const params = methods.flatMap((spec) => peerParams(spec, ids.length, dims, log));
  const rows: DetailTable['rows'] = [];
  await measureIndexes(
    params,
    { entries, sample: vectors, queries: queries.map((vector) => ({ vector })), exact, k, environment: { capacity: ids.length, dimensions: dims, stores: input.stores } },
    (m) => {
      const described = m.index.describe?.();
      rows.push([
        m.params.index,
        described?.setting ?? '',
        m.bytes / ids.length,
        m.bytes,
        String(described?.settings.bytesSource ?? 'as the index reports it'),
        m.load.fitMs + m.load.buildMs,
        m.meanMs,
        m.recall1,
        m.recallK,
        false,
      ]);
      log(`peers: ${m.params.index} ${described?.setting ?? ''}: recall@${k} ${m.recallK.toFixed(3)} at ${(m.bytes / ids.length).toFixed(0)} B/vector`);
    },
  );
  const front = paretoMembers(rows.map((r) => ({ bytes: r[2] as number, recall: r[8] as number })));
  for (const i of front) rows[i][9] = true;
  return { name: 'pareto_peers', columns: PARETO_COLUMNS, rows };
}

/** Indexes of the points no other point beats: none has at least their recall for fewer bytes, or more recall for as few. */
export function paretoMembers(points: ReadonlyArray<{ bytes: number; recall: number }>): number[] {
  return points
    .map((p, i) => ({ ...p, i }))
    .filter((p) => !points.some((q) => (q.bytes < p.bytes && q.recall >= p.recall) || (q.bytes <= p.bytes && q.recall > p.recall)))
    .map((p) => p.i);
}
