import { connectPg, connectionStringFromEnv, type SqlClient } from './sql-client.ts';

/**
 * A user's Postgres for every pgvector index of a run that names none of its own (`memopt run --pg-env NAME` or
 * `--pg-url URL`): by the environment variable holding its connection string, or by the string itself. Reports,
 * logs and errors name the variable, or say 'the --pg-url Postgres'; never the string.
 */
export type RunPostgres = { connectionEnv: string } | { connectionString: string };

/** The connection string of a run Postgres (reading its variable: an InputError, exit 2, when unset). */
function runConnectionString(postgres: RunPostgres): string {
  return 'connectionString' in postgres ? postgres.connectionString : connectionStringFromEnv(postgres.connectionEnv);
}

/** What reports may say about a run Postgres: the variable's name, never the connection string. */
export function describeRunPostgres(postgres: RunPostgres): string {
  return 'connectionString' in postgres ? 'the --pg-url Postgres' : `$${postgres.connectionEnv}`;
}

/**
 * The pre-run check of a run Postgres: the variable is set (InputError), the server answers and accepts the login
 * (VectorStoreError), and has pgvector (VectorStoreError); all exit code 2, the connection string never shown.
 */
export async function checkRunPostgres(postgres: RunPostgres): Promise<void> {
  await checkConnection(runConnectionString(postgres));
}
import { ensureExtension } from './pgvector-index.ts';
import { startPgliteServer, type PgliteServer } from './pglite-server-process.ts';

/**
 * The Postgres a scenario's pgvector indexes live in, opened on first use and closed once at the end of the
 * scenario:
 * - by default a PGlite server (Postgres + pgvector in WebAssembly) that this process starts in a child process
 *   and talks to over the wire with `pg` (startPgliteServer), so the database's CPU and memory are not the
 *   client's; never PGlite in process for measured runs;
 * - or a user's Postgres, whose connection string is read from the environment variable `connectionEnv` (the
 *   string itself is never written to a report, a log or an error message).
 *
 * One connection (poolSize 1) for both: PGlite behind pglite-socket takes one connection at a time, so every
 * index of the scenario shares it, each in a table of its own (`nextTable()`), and every figure measured through
 * it is a single-connection, sequential-query figure.
 */
export class PgDatabase {
  private opening: Promise<SqlClient> | undefined;
  private server: PgliteServer | undefined;
  private tables = 0;
  private closed = false;

  /**
   * connectionEnv: the environment variable holding a user's connection string; undefined = the run's Postgres
   * (`runPostgres`, from `memopt run --pg-env / --pg-url`) when one is given, else a PGlite server.
   */
  private readonly runPostgres: RunPostgres | undefined;
  constructor(
    readonly connectionEnv?: string,
    runPostgres?: RunPostgres,
  ) {
    this.runPostgres = connectionEnv === undefined ? runPostgres : undefined;
  }

  /** 'pglite-server' or '$NAME' (the variable's name, never its value): what reports may say about it. */
  get describe(): string {
    if (this.connectionEnv !== undefined) return `$${this.connectionEnv}`;
    if (this.runPostgres !== undefined) return describeRunPostgres(this.runPostgres);
    return 'pglite-server (child process, one connection)';
  }

  /** The shared client, connecting (and starting the PGlite server) on first call. */
  client(): Promise<SqlClient> {
    if (this.closed) return Promise.reject(new Error('PgDatabase: closed'));
    this.opening ??= this.open();
    return this.opening;
  }

  /** A table name no other index of this scenario uses (`memopt_s<pid>_<n>`, dropped and recreated by the index). */
  nextTable(): string {
    return `memopt_s${process.pid}_${this.tables++}`;
  }

  /** Whether a server was started or a connection opened (for tests). */
  get opened(): boolean {
    return this.opening !== undefined;
  }

  /** The PGlite server's process id while it runs (for tests and logs); undefined for a user's Postgres. */
  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  private async open(): Promise<SqlClient> {
    if (this.connectionEnv !== undefined) {
      const client = await connectPg({ connectionString: connectionStringFromEnv(this.connectionEnv) });
      return client;
    }
    if (this.runPostgres !== undefined) return connectPg({ connectionString: runConnectionString(this.runPostgres) });
    this.server = await startPgliteServer();
    return connectPg({ connectionString: this.server.url, connectTimeoutMs: 30_000 });
  }

  /** Closes the connection and stops the PGlite server if one was started. */
  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.opening = undefined;
    if (opening) await opening.then((c) => c.close()).catch(() => {});
    await this.server?.close();
    this.server = undefined;
  }
}

/**
 * One PgDatabase per connection source (PGlite or the run's Postgres, or each named variable), shared by a
 * scenario's indexes. `runPostgres`: the run's Postgres for indexes that name no variable (default: a PGlite server).
 */
export class PgDatabases {
  private readonly byEnv = new Map<string, PgDatabase>();
  constructor(private readonly runPostgres?: RunPostgres) {}
  get(connectionEnv?: string): PgDatabase {
    const key = connectionEnv ?? '';
    let db = this.byEnv.get(key);
    if (!db) {
      db = new PgDatabase(connectionEnv, this.runPostgres);
      this.byEnv.set(key, db);
    }
    return db;
  }
  async close(): Promise<void> {
    await Promise.all([...this.byEnv.values()].map((db) => db.close()));
    this.byEnv.clear();
  }
}

/**
 * The pre-run check of a user's Postgres named by `connectionEnv`: the variable is set (InputError), the server
 * answers and accepts the login (VectorStoreError), and has pgvector (VectorStoreError); all exit code 2. Nothing
 * is created: the extension is only looked for.
 */
export async function checkPgConnection(connectionEnv: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await checkConnection(connectionStringFromEnv(connectionEnv, env));
}

async function checkConnection(connectionString: string): Promise<void> {
  const client = await connectPg({ connectionString, connectTimeoutMs: 10_000 });
  try {
    await client.withSession((s) => ensureExtension(s, false));
  } finally {
    await client.close();
  }
}
