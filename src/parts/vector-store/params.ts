/**
 * pgvector's params, as a scenario writes them (`{ index: 'pgvector', search: 'hnsw' }`). Schemas only: the registry
 * (src/parts/registry.ts) loads PgVectorIndex, and `pg`, only when one is asked for.
 */
import { z } from 'zod';
import type { PgAnnIndex } from './pgvector-index.ts';

/**
 * pgvector in Postgres (PgVectorIndex), opened asynchronously: by default in a PGlite server the scenario starts in
 * its own process; with `connectionEnv`, in the user's Postgres whose connection string that environment variable
 * holds (checked before the run; never written to a report); with neither, in the run's Postgres when the run names
 * one (`memopt run --pg-env` / `--pg-url`, handed to the scenario's databases, never a module global).
 */
export const pgvectorParams = z
  .object({
    index: z.literal('pgvector'),
    /** 'vector' (float32), 'halfvec' (float16), 'binary' (sign bits + full-precision re-rank). */
    storage: z.enum(['vector', 'halfvec', 'binary']).default('vector'),
    /** 'exact' scan, or an HNSW / IVFFlat index built after the bulk load. */
    search: z.enum(['exact', 'hnsw', 'ivfflat']).default('exact'),
    /** HNSW links per node (pgvector default 16) and build candidate list (default 64). */
    m: z.number().int().min(2).max(100).default(16),
    efConstruction: z.number().int().min(4).max(1000).default(64),
    /** HNSW search candidate list (hnsw.ef_search): a search-time setting, swept on one build. */
    efSearch: z.number().int().min(1).max(1000).default(40),
    /**
     * pgvector 0.8's iterative index scans within a filter (hnsw.iterative_scan / ivfflat.iterative_scan; search-time):
     * 'relaxed_order' scans on until k rows pass the filter (or max_scan_tuples); 'off' is pgvector's own default.
     */
    iterativeScan: z.enum(['off', 'relaxed_order', 'strict_order']).default('relaxed_order'),
    /** hnsw.max_scan_tuples: tuples an iterative HNSW scan visits at most (search-time; pgvector's default 20000). */
    maxScanTuples: z.number().int().min(1).default(20_000),
    /** 'auto': the planner picks the ANN index or a scan and sort; 'index': enable_seqscan off, so filters walk the ANN index (search-time). */
    plan: z.enum(['auto', 'index']).default('auto'),
    /** IVFFlat lists (default: rows / 1000, at least 1) and lists probed per search (search-time). */
    lists: z.number().int().min(1).optional(),
    probes: z.number().int().min(1).default(1),
    /** binary: Hamming candidates re-ranked per result wanted. */
    rerankFactor: z.number().int().min(1).default(10),
    /** maintenance_work_mem for the ANN build, in MiB (pgvector builds HNSW fastest when the graph fits). Default: the server's. */
    buildMemoryMb: z.number().int().min(1).optional(),
    /** Environment variable holding a Postgres connection string; absent = the run's Postgres, else a PGlite server. */
    connectionEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
  })
  .strict();

export type PgvectorParams = z.output<typeof pgvectorParams>;

/** The ANN index pgvector params ask for. */
export function pgAnnIndexOf(params: PgvectorParams): PgAnnIndex {
  if (params.search === 'hnsw') return { kind: 'hnsw', m: params.m, efConstruction: params.efConstruction };
  if (params.search === 'ivfflat') return params.lists === undefined ? { kind: 'ivfflat' } : { kind: 'ivfflat', lists: params.lists };
  return { kind: 'none' };
}
