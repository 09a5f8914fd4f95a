import { refuseNul } from '../../memory/nul-check.ts';
import { OptionError, VectorStoreError } from '../../errors.ts';
import type { EntryAttributes, IndexCloseOptions, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { pgvectorScoreMargin } from './score-margin.ts';
import type { SqlClient, SqlSession } from './sql-client.ts';

/**
 * How vectors are stored:
 * - 'vector': float32 (`vector(d)`); exact scores up to float32 rounding.
 * - 'halfvec': float16 (`halfvec(d)`), half the bytes; scores carry half-precision rounding (~1e-3).
 * - 'binary': float32 rows plus sign bits (`binary_quantize(embedding)::bit(d)`); candidates are found by Hamming
 *   distance on the bits (through an HNSW/IVFFlat index on them, or a scan), then re-ranked by the full vectors.
 */
export type PgStorage = 'vector' | 'halfvec' | 'binary';

/** The index Postgres searches with: none (exact scan), HNSW or IVFFlat, with their build parameters. */
export type PgAnnIndex =
  | { kind: 'none' }
  /** m: links per node (default 16); efConstruction: candidate list while building (default 64). */
  | { kind: 'hnsw'; m?: number; efConstruction?: number }
  /** lists: inverted lists, trained on the rows present at build time (default max(1, rows / 1000)). */
  | { kind: 'ivfflat'; lists?: number };

/** Search-time parameters, set per session (`hnsw.ef_search`, `ivfflat.probes`). */
export interface PgSearchParams {
  /** HNSW candidate list while searching. Default 40 (pgvector's). 1..1000. */
  efSearch?: number;
  /** IVFFlat lists probed. Default 1 (pgvector's). */
  probes?: number;
  /**
   * pgvector 0.8's iterative index scans for a filtered search (`hnsw.iterative_scan`, `ivfflat.iterative_scan`):
   * 'relaxed_order' (default here) scans on until k rows pass the WHERE clause or a limit is reached; 'off' (pgvector's
   * own default) filters one candidate list of ef_search rows, so a selective filter returns fewer than k.
   */
  iterativeScan?: PgIterativeScan;
  /** With iterative HNSW scans: tuples visited at most (`hnsw.max_scan_tuples`). Default 20000 (pgvector's). */
  maxScanTuples?: number;
  /**
   * 'auto' (default): the planner chooses between the ANN index and a scan and sort (on a selective filter it often
   * scans: exact, at a scan's cost). 'index': sequential scans are disabled for the session (`enable_seqscan = off`),
   * so a filtered search walks the ANN index: what a filtered ANN search does when the planner picks it.
   */
  plan?: PgPlan;
}

export const PG_PLANS = ['auto', 'index'] as const;
export type PgPlan = (typeof PG_PLANS)[number];

export const PG_ITERATIVE_SCANS = ['off', 'relaxed_order', 'strict_order'] as const;
export type PgIterativeScan = (typeof PG_ITERATIVE_SCANS)[number];
const SEARCH_DEFAULTS: Required<PgSearchParams> = { efSearch: 40, probes: 1, iterativeScan: 'relaxed_order', maxScanTuples: 20_000, plan: 'auto' };

/** What a row carries besides its vector (EntryAttributes): its namespace (NULL when absent) and metadata. */
export type PgRowAttributes = EntryAttributes;

/** Restricts a search to rows of one namespace and/or whose metadata contains these exact values (the contract's SearchFilter). */
export type PgSearchFilter = SearchFilter;

export interface PgVectorIndexOptions {
  /** The database; the index does not close it unless `ownsClient`. */
  client: SqlClient;
  /** Close the client in close(). Default false. */
  ownsClient?: boolean;
  /** Width of every vector; fixed at open, checked against an existing table. */
  dimensions: number;
  /** Table name ([a-z_][a-z0-9_]*, at most 40 characters). Default 'memopt_vectors'. */
  table?: string;
  /** Default 'vector'. */
  storage?: PgStorage;
  /** Default { kind: 'none' } (exact scan). */
  index?: PgAnnIndex;
  search?: PgSearchParams;
  /** For 'binary': Hamming candidates re-ranked per result wanted. Default 10 (k = 10 re-ranks 100 rows). */
  rerankFactor?: number;
  /** Rows per INSERT statement. Default 500. */
  batchSize?: number;
  /**
   * maintenance_work_mem for the ANN build, in MiB (set on the building session). Default: the server's. An HNSW
   * graph larger than it is built far more slowly (pgvector warns).
   */
  buildMemoryMb?: number;
  /** Drop the table first (benchmarks). Default false: an existing table is reused if its column matches. */
  reset?: boolean;
  /** Run CREATE EXTENSION IF NOT EXISTS vector. Default true; on a server where that needs rights, install it first. */
  createExtension?: boolean;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/**
 * A VectorIndex in Postgres with pgvector: rows (id, namespace, metadata, embedding), searched
 * by cosine distance (`<=>`) with an exact scan or an HNSW/IVFFlat index, optionally within a namespace and
 * metadata filter pushed into SQL.
 *
 * Open it with `await PgVectorIndex.open(options)`: that checks the extension and the table before anything runs,
 * so a missing extension, a table of another width, or an unreachable server (found by `connectPg`) is a
 * VectorStoreError (exit 2), not a failure halfway through a run.
 *
 * Semantics match memopt's other indexes: add() replaces a row with the same id (upsert, namespace and metadata
 * included); remove() returns whether the id was there; search() ranks by score then id. Exact search (index
 * 'none', storage 'vector') returns FlatIndex's ids up to ties within 1e-5 in score (pgvector sums in float32).
 *
 * The ANN index is built after the bulk load, by buildIndex() or at the first search (IVFFlat trains its lists on
 * the rows present then); rows added later are inserted into it by Postgres.
 */
export class PgVectorIndex implements VectorIndex {
  /** The filter is a SQL WHERE (namespace column, B-tree indexed; metadata jsonb containment). */
  readonly filtering = 'native';
  readonly dimensions: number;
  readonly table: string;
  readonly storage: PgStorage;
  readonly annIndex: PgAnnIndex;
  private readonly client: SqlClient;
  private readonly ownsClient: boolean;
  private readonly rerankFactor: number;
  private readonly batchSize: number;
  private readonly buildMemoryMb: number | undefined;
  private searchParams: Required<PgSearchParams>;
  private searchParamsVersion = 0;
  private rows = 0;
  private indexBuilt: boolean;
  private building: Promise<void> | undefined;
  private counters = { queries: 0, searches: 0, rowsWritten: 0, indexBuildMs: 0 };
  private lastBytes = { total: 0, table: 0, annIndex: 0 };
  private closed = false;

  private constructor(options: PgVectorIndexOptions, table: string, size: number, indexBuilt: boolean) {
    this.client = options.client;
    this.ownsClient = options.ownsClient ?? false;
    this.dimensions = options.dimensions;
    this.table = table;
    this.storage = options.storage ?? 'vector';
    this.annIndex = options.index ?? { kind: 'none' };
    this.rerankFactor = options.rerankFactor ?? 10;
    this.batchSize = options.batchSize ?? 500;
    this.buildMemoryMb = options.buildMemoryMb;
    this.searchParams = { ...SEARCH_DEFAULTS, ...definedOf(options.search) };
    this.rows = size;
    this.indexBuilt = indexBuilt || this.annIndex.kind === 'none';
  }

  /**
   * How far this index's scores can be from the reference cosine of the vectors given to add() and search(), when
   * its search is exact (no ANN index; `vector` or `halfvec` storage): the scoreMargin targeted cache invalidation
   * needs (see pgvectorScoreMargin). Undefined when results are approximate (HNSW, IVFFlat, binary candidates):
   * whether a new row enters a result then depends on more than its score, so a cache must use 'generation'.
   */
  get scoreTolerance(): number | undefined {
    if (this.annIndex.kind !== 'none' || this.storage === 'binary') return undefined;
    return pgvectorScoreMargin(this.dimensions, this.storage);
  }

  /** Checks options, the extension and the table (creating it if absent), and returns the index. */
  static async open(options: PgVectorIndexOptions): Promise<PgVectorIndex> {
    const table = options.table ?? 'memopt_vectors';
    checkOptions(options, table);
    const storage = options.storage ?? 'vector';
    const d = options.dimensions;
    const column = storage === 'halfvec' ? `halfvec(${d})` : `vector(${d})`;
    const { size, indexBuilt } = await options.client.withSession(async (s) => {
      await ensureExtension(s, options.createExtension ?? true);
      if (options.reset) await s.query(`DROP TABLE IF EXISTS ${table}`);
      const found = await s.query<{ type: string | null; exists: boolean }>(
        `SELECT to_regclass($1) IS NOT NULL AS exists,
                (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                  WHERE a.attrelid = to_regclass($1) AND a.attname = 'embedding' AND NOT a.attisdropped) AS type`,
        [table],
      );
      const { exists, type } = found.rows[0];
      if (exists && type !== column) {
        throw new VectorStoreError(
          'schema-mismatch',
          `table '${table}': expected column embedding of type ${column}, found ${type ?? 'no embedding column'} ` +
            `(open it with the matching dimensions and storage, or a new table name, or reset: true to drop it)`,
        );
      }
      if (!exists) {
        await s.query(
          `CREATE TABLE ${table} (id text PRIMARY KEY, namespace text, metadata jsonb NOT NULL DEFAULT '{}'::jsonb, embedding ${column} NOT NULL)`,
        );
      }
      await s.query(`CREATE INDEX IF NOT EXISTS ${table}_namespace_idx ON ${table} (namespace)`);
      const count = await s.query<{ n: number; ann: boolean }>(
        `SELECT count(*)::int AS n, to_regclass($1) IS NOT NULL AS ann FROM ${table}`,
        [`${table}_ann_idx`],
      );
      return { size: count.rows[0].n, indexBuilt: count.rows[0].ann };
    });
    return new PgVectorIndex(options, table, size, indexBuilt);
  }

  /** Rows in the table (counted at open, then kept client-side from what each write reports). */
  get size(): number {
    return this.rows;
  }

  /** Changes ef_search / probes for later searches (applied once to each session before its next search). */
  setSearchParams(params: PgSearchParams): void {
    const next = { ...this.searchParams, ...definedOf(params) };
    checkSearchParams(next);
    this.searchParams = next;
    this.searchParamsVersion++;
  }

  get currentSearchParams(): Readonly<Required<PgSearchParams>> {
    return this.searchParams;
  }

  add(id: string, vector: ArrayLike<number>, attributes?: PgRowAttributes): Promise<void> {
    return this.addMany([[id, vector, attributes]]);
  }

  /**
   * Upserts rows in batches of `batchSize`, one INSERT ... SELECT FROM unnest(...) each. Within one call a repeated
   * id keeps its last vector, as sequential add() calls would.
   */
  async addMany(entries: Iterable<readonly [string, ArrayLike<number>, PgRowAttributes?]>): Promise<void> {
    this.checkOpen();
    const latest = new Map<string, readonly [string, ArrayLike<number>, PgRowAttributes?]>();
    for (const entry of entries) {
      this.checkVector(entry[1], `PgVectorIndex.add('${entry[0]}')`);
      checkAttributes(entry[2], entry[0]);
      latest.delete(entry[0]);
      latest.set(entry[0], entry);
    }
    const list = [...latest.values()];
    const cast = this.storage === 'halfvec' ? 'halfvec' : 'vector';
    const sql =
      `INSERT INTO ${this.table} (id, namespace, metadata, embedding)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::${cast}[])
       ON CONFLICT (id) DO UPDATE SET namespace = EXCLUDED.namespace, metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding
       RETURNING (xmax = 0) AS inserted`;
    for (let start = 0; start < list.length; start += this.batchSize) {
      const batch = list.slice(start, start + this.batchSize);
      // Array literals built here, identically for both clients (PGlite's serializer does not quote elements of
      // an array of an extension type such as vector[]).
      const params = [
        arrayLiteral(batch.map(([id]) => id)),
        arrayLiteral(batch.map(([, , a]) => a?.namespace ?? null)),
        arrayLiteral(batch.map(([, , a]) => JSON.stringify(a?.metadata ?? {}))),
        arrayLiteral(batch.map(([, v]) => vectorLiteral(v))),
      ];
      const result = await this.client.withSession((s) => this.query<{ inserted: boolean }>(s, sql, params));
      this.rows += result.filter((r) => r.inserted).length;
      this.counters.rowsWritten += batch.length;
    }
  }

  async remove(id: string): Promise<boolean> {
    this.checkOpen();
    const rows = await this.client.withSession((s) =>
      this.query<{ id: string }>(s, `DELETE FROM ${this.table} WHERE id = $1 RETURNING id`, [id]),
    );
    if (rows.length > 0) this.rows--;
    return rows.length > 0;
  }

  /**
   * The k nearest rows by cosine, best first, ties by id; within `filter` when given (pushed into SQL, with
   * pgvector 0.8's iterative index scans so a filtered ANN search still returns k rows when k match).
   */
  async search(vector: ArrayLike<number>, k: number, filter?: PgSearchFilter): Promise<SearchHit[]> {
    this.checkOpen();
    this.checkVector(vector, 'PgVectorIndex.search');
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`PgVectorIndex.search: expected k to be an integer >= 0, found ${k}`);
    if (k === 0) return [];
    if (filter) checkAttributes(filter, '(filter)');
    if (!this.indexBuilt) await this.buildIndex();
    const { sql, params } = this.searchSql(vector, k, filter);
    this.counters.searches++;
    const rows = await this.client.withSession(async (s) => {
      await this.applySearchSettings(s);
      return this.query<{ id: string; distance: number | null }>(s, sql, params);
    });
    // A zero vector has no cosine: Postgres gives NaN (ranked last); it scores 0 here, as in FlatIndex.
    return rows.map((r) => ({ id: r.id, score: r.distance === null || Number.isNaN(r.distance) ? 0 : 1 - r.distance }));
  }

  /** Builds the ANN index now (timed into stats().indexBuildMs); a no-op when there is none or it exists. */
  async buildIndex(): Promise<void> {
    this.checkOpen();
    if (this.indexBuilt) return;
    this.building ??= this.client
      .withSession(async (s) => {
        if (this.buildMemoryMb !== undefined) {
          await this.query(s, `SELECT set_config('maintenance_work_mem', $1, false)`, [`${this.buildMemoryMb}MB`]);
        }
        const started = performance.now();
        await this.query(s, this.createIndexSql());
        this.counters.indexBuildMs += performance.now() - started;
        this.indexBuilt = true;
      })
      .finally(() => {
        this.building = undefined;
      });
    return this.building;
  }

  /**
   * Bytes as Postgres reports them: pg_total_relation_size of the table (heap, TOAST, and every index on it: the
   * primary key, the namespace index and the ANN index). stats() splits it after each call.
   */
  async memoryBytes(): Promise<number> {
    this.checkOpen();
    const rows = await this.client.withSession((s) =>
      this.query<{ total: string; table: string; ann: string | null }>(
        s,
        `SELECT pg_total_relation_size($1::regclass)::text AS total, pg_table_size($1::regclass)::text AS table,
                (SELECT pg_relation_size(to_regclass($2))::text) AS ann`,
        [this.table, `${this.table}_ann_idx`],
      ),
    );
    const r = rows[0];
    this.lastBytes = { total: Number(r.total), table: Number(r.table), annIndex: r.ann === null ? 0 : Number(r.ann) };
    return this.lastBytes.total;
  }

  /**
   * Counters, and the sizes Postgres reported at the last memoryBytes() call (pg_* names: as Postgres reports
   * them, not measured by memopt). Numbers only: no connection detail ever appears here.
   */
  stats(): Record<string, number> {
    return {
      sqlQueries: this.counters.queries,
      searches: this.counters.searches,
      rowsWritten: this.counters.rowsWritten,
      indexBuildMs: this.counters.indexBuildMs,
      pgTotalRelationBytes: this.lastBytes.total,
      pgTableBytes: this.lastBytes.table,
      pgAnnIndexBytes: this.lastBytes.annIndex,
    };
  }

  /** Drops the table (benchmarks clean up after themselves). */
  async drop(): Promise<void> {
    this.checkOpen();
    await this.client.withSession((s) => this.query(s, `DROP TABLE IF EXISTS ${this.table}`));
    this.rows = 0;
  }

  /** The contract's build step: the ANN index over the bulk-loaded rows (see buildIndex). */
  build(): Promise<void> {
    return this.buildIndex();
  }

  /** Bytes outside this process: all of them (the relation size Postgres reports). */
  externalBytes(): Promise<number> {
    return this.memoryBytes();
  }

  describe(): PartDescription {
    const ann = this.annIndex;
    const storage = this.storage === 'binary' ? `binary + re-rank x${this.rerankFactor}` : this.storage;
    const { efSearch, probes, iterativeScan, maxScanTuples } = this.searchParams;
    const iterative =
      (iterativeScan === 'off' ? 'iterative scan off' : `iterative ${iterativeScan}, max_scan_tuples ${maxScanTuples}`) +
      (this.searchParams.plan === 'index' ? ', index forced' : '');
    const setting =
      ann.kind === 'hnsw'
        ? `${storage}, HNSW m ${ann.m ?? 16} ef_c ${ann.efConstruction ?? 64}, ef_search ${efSearch}, ${iterative}`
        : ann.kind === 'ivfflat'
          ? `${storage}, IVFFlat lists ${ann.lists ?? 'rows/1000'}, probes ${probes}`
          : `${storage}, exact scan`;
    const precision = this.storage === 'vector' ? 'float32' : this.storage === 'halfvec' ? 'float16' : 'binary';
    return { kind: 'pgvector', setting, settings: { precision, exact: this.storage === 'vector' && ann.kind === 'none', bytesSource: 'pg_total_relation_size' } };
  }

  /** Closes the connection it owns; with `drop`, drops its table first (nothing left behind). */
  async close(options: IndexCloseOptions = {}): Promise<void> {
    if (this.closed) return;
    if (options.drop) await this.drop();
    this.closed = true;
    if (this.ownsClient) await this.client.close();
  }

  private async query<Row>(s: SqlSession, sql: string, params?: readonly unknown[]): Promise<Row[]> {
    this.counters.queries++;
    return (await s.query<Row>(sql, params)).rows;
  }

  private searchSql(vector: ArrayLike<number>, k: number, filter?: PgSearchFilter): { sql: string; params: unknown[] } {
    const d = this.dimensions;
    const params: unknown[] = [vectorLiteral(vector), k];
    const where: string[] = [];
    if (filter?.namespace !== undefined) {
      params.push(filter.namespace);
      where.push(`namespace = $${params.length}`);
    }
    if (filter?.metadata !== undefined && Object.keys(filter.metadata).length > 0) {
      params.push(JSON.stringify(filter.metadata));
      where.push(`metadata @> $${params.length}::jsonb`);
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const exact = this.annIndex.kind === 'none';
    if (this.storage === 'binary') {
      params.push(k * this.rerankFactor);
      const bits = `binary_quantize(embedding)::bit(${d})`;
      const sql = `SELECT id, embedding <=> $1::vector(${d}) AS distance FROM (
          SELECT id, embedding FROM ${this.table} ${whereSql}
          ORDER BY ${bits} <~> binary_quantize($1::vector(${d}))${exact ? ', id COLLATE "C"' : ''} LIMIT $${params.length}
        ) candidates ORDER BY distance, id COLLATE "C" LIMIT $2`;
      return { sql, params };
    }
    const type = this.storage === 'halfvec' ? `halfvec(${d})` : `vector(${d})`;
    // With an ANN index the inner ORDER BY must be the distance alone (what the index yields); the outer query
    // restores score-then-id order (iterative scans in relaxed order may return rows slightly out of order).
    const sql = `SELECT id, distance FROM (
        SELECT id, embedding <=> $1::${type} AS distance FROM ${this.table} ${whereSql}
        ORDER BY embedding <=> $1::${type}${exact ? ', id COLLATE "C"' : ''} LIMIT $2
      ) nearest ORDER BY distance, id COLLATE "C"`;
    return { sql, params };
  }

  private createIndexSql(): string {
    const ann = this.annIndex;
    const d = this.dimensions;
    const [expression, ops] =
      this.storage === 'binary'
        ? [`(binary_quantize(embedding)::bit(${d}))`, 'bit_hamming_ops']
        : ['embedding', this.storage === 'halfvec' ? 'halfvec_cosine_ops' : 'vector_cosine_ops'];
    const name = `${this.table}_ann_idx`;
    if (ann.kind === 'hnsw') {
      return `CREATE INDEX ${name} ON ${this.table} USING hnsw (${expression} ${ops}) WITH (m = ${ann.m ?? 16}, ef_construction = ${ann.efConstruction ?? 64})`;
    }
    const lists = (ann as { lists?: number }).lists ?? Math.max(1, Math.round(this.rows / 1000));
    return `CREATE INDEX ${name} ON ${this.table} USING ivfflat (${expression} ${ops}) WITH (lists = ${lists})`;
  }

  /** Applies ef_search / probes and iterative scans to this session, once per change. */
  private async applySearchSettings(s: SqlSession): Promise<void> {
    const kind = this.annIndex.kind;
    if (kind === 'none') return;
    const wanted =
      kind === 'hnsw'
        ? {
            'hnsw.ef_search': String(this.searchParams.efSearch),
            'hnsw.iterative_scan': this.searchParams.iterativeScan,
            'hnsw.max_scan_tuples': String(this.searchParams.maxScanTuples),
            enable_seqscan: this.searchParams.plan === 'index' ? 'off' : 'on',
          }
        : {
            'ivfflat.probes': String(this.searchParams.probes),
            'ivfflat.iterative_scan': this.searchParams.iterativeScan === 'off' ? 'off' : 'relaxed_order',
            enable_seqscan: this.searchParams.plan === 'index' ? 'off' : 'on',
          };
    const changed = Object.entries(wanted).filter(([name, value]) => s.settings.get(name) !== value);
    if (changed.length === 0) return;
    const params = changed.flat();
    const calls = changed.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ');
    await this.query(s, `SELECT ${calls}`, params);
    for (const [name, value] of changed) s.settings.set(name, value);
  }

  private checkVector(vector: ArrayLike<number>, where: string): void {
    if (vector.length !== this.dimensions) {
      throw new RangeError(`${where}: expected a vector of ${this.dimensions} dimensions, found ${vector.length}`);
    }
    for (let i = 0; i < vector.length; i++) {
      if (!Number.isFinite(vector[i])) throw new RangeError(`${where}: expected finite numbers, found ${vector[i]} at ${i}`);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`PgVectorIndex '${this.table}' is closed`);
  }
}

/** pgvector's text form: '[1,2,3]'. JavaScript prints each number exactly enough for float32 parsing. */
function vectorLiteral(vector: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(vector, ',')}]`;
}

/** A Postgres array literal: '{"a","b",NULL}', each element quoted and escaped. */
function arrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** Creates the vector extension if asked and allowed, and checks it is there (VectorStoreError, exit 2, if not). */
export async function ensureExtension(s: SqlSession, create: boolean): Promise<void> {
  if (create) {
    try {
      await s.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (error) {
      throw new VectorStoreError(
        'extension-missing',
        `the pgvector extension could not be created in this database: ${firstLine(error)} ` +
          `(install pgvector on the server, then CREATE EXTENSION vector as a user allowed to)`,
      );
    }
  }
  const found = await s.query<{ version: string }>(`SELECT extversion AS version FROM pg_extension WHERE extname = 'vector'`);
  if (found.rows.length === 0) {
    throw new VectorStoreError('extension-missing', `the pgvector extension is not installed in this database (CREATE EXTENSION vector)`);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

function checkOptions(options: PgVectorIndexOptions, table: string): void {
  const d = options.dimensions;
  if (!Number.isInteger(d) || d < 1 || d > 16000) throw new OptionError('dimensions', 'an integer in 1..16000', d);
  if (!TABLE_NAME.test(table)) throw new OptionError('table', 'a name matching [a-z_][a-z0-9_]* of at most 40 characters', table);
  const storage = options.storage ?? 'vector';
  if (!['vector', 'halfvec', 'binary'].includes(storage)) throw new OptionError('storage', "'vector', 'halfvec' or 'binary'", storage);
  const ann = options.index ?? { kind: 'none' };
  if (ann.kind === 'hnsw') {
    const limit = storage === 'halfvec' ? 4000 : storage === 'binary' ? 64000 : 2000;
    if (d > limit) throw new OptionError('dimensions', `at most ${limit} for an HNSW index on ${storage}`, d);
    if (ann.m !== undefined && (!Number.isInteger(ann.m) || ann.m < 2 || ann.m > 100)) throw new OptionError('index.m', 'an integer in 2..100', ann.m);
    const ef = ann.efConstruction;
    if (ef !== undefined && (!Number.isInteger(ef) || ef < 4 || ef > 1000)) throw new OptionError('index.efConstruction', 'an integer in 4..1000', ef);
  } else if (ann.kind === 'ivfflat') {
    if (ann.lists !== undefined && (!Number.isInteger(ann.lists) || ann.lists < 1 || ann.lists > 32768)) {
      throw new OptionError('index.lists', 'an integer in 1..32768', ann.lists);
    }
  } else if (ann.kind !== 'none') {
    throw new OptionError('index.kind', "'none', 'hnsw' or 'ivfflat'", (ann as { kind: unknown }).kind);
  }
  checkSearchParams({ ...SEARCH_DEFAULTS, ...definedOf(options.search) });
  const rf = options.rerankFactor;
  if (rf !== undefined && (!Number.isInteger(rf) || rf < 1)) throw new OptionError('rerankFactor', 'an integer >= 1', rf);
  const mem = options.buildMemoryMb;
  if (mem !== undefined && (!Number.isInteger(mem) || mem < 1)) throw new OptionError('buildMemoryMb', 'an integer >= 1', mem);
  const bs = options.batchSize;
  if (bs !== undefined && (!Number.isInteger(bs) || bs < 1)) throw new OptionError('batchSize', 'an integer >= 1', bs);
}

/** The fields of `params` that are set (an undefined one keeps the current value). */
function definedOf(params: PgSearchParams | undefined): PgSearchParams {
  return Object.fromEntries(Object.entries(params ?? {}).filter(([, value]) => value !== undefined));
}

function checkSearchParams(p: Required<PgSearchParams>): void {
  if (!Number.isInteger(p.efSearch) || p.efSearch < 1 || p.efSearch > 1000) throw new OptionError('search.efSearch', 'an integer in 1..1000', p.efSearch);
  if (!Number.isInteger(p.probes) || p.probes < 1) throw new OptionError('search.probes', 'an integer >= 1', p.probes);
  if (!(PG_ITERATIVE_SCANS as readonly string[]).includes(p.iterativeScan)) throw new OptionError('search.iterativeScan', PG_ITERATIVE_SCANS.join(', '), p.iterativeScan);
  if (!(PG_PLANS as readonly string[]).includes(p.plan)) throw new OptionError('search.plan', PG_PLANS.join(', '), p.plan);
  if (!Number.isInteger(p.maxScanTuples) || p.maxScanTuples < 1) throw new OptionError('search.maxScanTuples', 'an integer >= 1', p.maxScanTuples);
}

function checkAttributes(attributes: PgRowAttributes | PgSearchFilter | undefined, id: string): void {
  if (!attributes) return;
  refuseNul(attributes, `PgVectorIndex '${id}'`);
  if (attributes.namespace !== undefined && typeof attributes.namespace !== 'string') {
    throw new TypeError(`PgVectorIndex '${id}': expected namespace to be a string, found ${typeof attributes.namespace}`);
  }
  for (const [key, value] of Object.entries(attributes.metadata ?? {})) {
    const t = typeof value;
    if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isFinite(value))) {
      throw new TypeError(`PgVectorIndex '${id}': expected metadata '${key}' to be a string, finite number or boolean, found ${String(value)}`);
    }
  }
}
