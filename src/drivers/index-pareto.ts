/**
 * The methods users actually pick, measured on the same vectors, queries and exact ground truth as memopt's own
 * indexes, as rows of one table (`pareto_peers`): binary codes with oversampled re-scoring, Matryoshka truncation,
 * and usearch's HNSW (f32, f16, i8, b1) with its search expansion swept. Each row: recall@1 and recall@k, bytes per
 * vector including every fixed part (and how the bytes were obtained), build time and mean query time.
 *
 * Apart from any driver: give it vectors, queries and exact top-k ids; it returns a DetailTable.
 */
import { z } from 'zod';
import type { DetailTable } from '../harness/types.ts';
import type { VectorIndex } from '../memory/types.ts';
import { BinaryIndex } from '../parts/vector-index/binary-index.ts';
import { MatryoshkaIndex } from '../parts/vector-index/matryoshka-index.ts';
import { recallAtK } from '../parts/vector-index/recall.ts';
import { USEARCH_QUANTIZATIONS, UsearchIndex } from '../parts/vector-index/usearch-index.ts';
import { createIndex } from '../parts/vector-index/create.ts';
import type { PgDatabases } from '../parts/vector-store/database.ts';

/** The optional parts of contract C1's VectorIndex these peers have (main's interface does not declare them yet). */
type PeerIndex = VectorIndex & {
  fit?(sample: readonly ArrayLike<number>[]): unknown;
  addMany?(entries: Iterable<readonly [string, ArrayLike<number>]>): unknown;
};

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
      quantization: z.array(z.enum(USEARCH_QUANTIZATIONS as [string, ...string[]])).min(1).default(['f32', 'f16', 'i8', 'b1']),
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
  databases?: PgDatabases;
  log?: (message: string) => void;
}

/** Measures every method at every setting; rows in the order given, `on_front` over these rows. */
export async function measurePeers(input: ParetoInput): Promise<DetailTable> {
  const { ids, vectors, queries, exact, k, methods } = input;
  const log = input.log ?? (() => {});
  const entries = ids.map((id, i) => [id, vectors[i]] as const);
  const rows: DetailTable['rows'] = [];
  const measure = async (method: string, setting: string, index: VectorIndex, buildMs: number, bytesHow: string) => {
    let total = 0;
    const results = [];
    for (const q of queries) {
      const started = performance.now();
      results.push(await index.search(q, k));
      total += performance.now() - started;
    }
    const bytes = await index.memoryBytes();
    const recall = recallAtK(results, exact as string[][], k);
    rows.push([method, setting, bytes / ids.length, bytes, bytesHow, buildMs, total / Math.max(1, queries.length), recallAtK(results, exact as string[][], 1), recall, false]);
    log(`peers: ${method} ${setting}: recall@${k} ${recall.toFixed(3)} at ${(bytes / ids.length).toFixed(0)} B/vector`);
  };
  const build = async (index: PeerIndex, fit: boolean): Promise<number> => {
    const started = performance.now();
    if (fit && index.fit) await index.fit(vectors);
    if (index.addMany) await index.addMany(entries);
    else for (const [id, v] of entries) await index.add(id, v);
    return performance.now() - started;
  };

  for (const spec of methods) {
    if (spec.method === 'binary') {
      for (const oversample of spec.oversample) {
        const index = new BinaryIndex({ oversample, rescore: spec.rescore, initialCapacity: ids.length });
        const ms = await build(index, spec.centre);
        await measure('binary', `sign bits${spec.centre ? ' (mean thresholds)' : ''}, ${spec.rescore} re-score x${oversample}`, index, ms, 'exact: arrays held (bits, re-score vectors and scales, thresholds)');
      }
    } else if (spec.method === 'matryoshka') {
      const dims = vectors[0]?.length ?? 0;
      for (const dimensions of spec.dimensions.filter((d) => d <= dims)) {
        const index = new MatryoshkaIndex({ dimensions, initialCapacity: ids.length });
        const ms = await build(index, false);
        await measure('matryoshka', `first ${dimensions} dims, float32`, index, ms, 'exact: arrays held (WebAssembly pages)');
      }
    } else if (spec.method === 'pgvector') {
      if (!input.databases) throw new TypeError('measurePeers: pgvector peers need input.databases');
      if (spec.search !== 'exact' && ids.length > spec.maxBuildRows) {
        log(`peers: pgvector ${spec.storage} ${spec.search} skipped: ${ids.length} vectors > maxBuildRows ${spec.maxBuildRows}`);
        continue;
      }
      const sweep = spec.search === 'hnsw' ? spec.efSearch : spec.search === 'ivfflat' ? spec.probes : [0];
      const index = await createIndex(
        { index: 'pgvector', storage: spec.storage, search: spec.search, m: spec.m, efConstruction: spec.efConstruction, efSearch: sweep[0] || 40, lists: spec.lists, probes: sweep[0] || 1, rerankFactor: spec.rerankFactor, connectionEnv: spec.connectionEnv },
        { dimensions: vectors[0]?.length, databases: input.databases },
      );
      try {
        const started = performance.now();
        await index.addMany(entries);
        await index.buildIndex();
        const ms = performance.now() - started;
        const storage = spec.storage === 'binary' ? `binary + re-rank x${spec.rerankFactor}` : spec.storage;
        const how = 'as Postgres reports it: pg_total_relation_size (table + TOAST + primary key + namespace btree + ANN index)';
        for (const value of sweep) {
          if (spec.search === 'hnsw') index.setSearchParams({ efSearch: value });
          if (spec.search === 'ivfflat') index.setSearchParams({ probes: value });
          const setting =
            spec.search === 'hnsw'
              ? `${storage}, HNSW m ${spec.m} ef_c ${spec.efConstruction}, ef_search ${value}`
              : spec.search === 'ivfflat'
                ? `${storage}, IVFFlat lists ${spec.lists ?? 'rows/1000'}, probes ${value}`
                : `${storage}, exact scan`;
          await measure('pgvector', setting, index, ms, how);
        }
      } finally {
        await index.drop().catch(() => {});
        await index.close();
      }
    } else {
      for (const quantization of spec.quantization) {
        const base = new UsearchIndex({
          quantization: quantization as UsearchIndex['options']['quantization'],
          connectivity: spec.connectivity,
          expansionAdd: spec.expansionAdd,
          expansionSearch: spec.expansionSearch[0],
        });
        const ms = await build(base, quantization === 'b1');
        for (const [i, ef] of spec.expansionSearch.entries()) {
          const index = i === 0 ? base : base.withExpansion(ef);
          await measure('usearch', `HNSW ${quantization}, M ${spec.connectivity}, ef ${ef}`, index, ms, "usearch's serialized index size (save()); its in-memory use is not exposed");
          if (index !== base) index.close();
        }
        base.close();
      }
    }
  }
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
