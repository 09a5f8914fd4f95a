import pg from 'pg';
import { InputError, MemoptError, RunError, VectorStoreError } from '../../errors.ts';
import { PG_SECRET_PARAMS, registerUrlSecrets } from '../../util/redact.ts';

/** One row set as both adapters return it. */
export interface SqlResult<Row> {
  rows: Row[];
}

/**
 * One database session (a connection). Settings made with `set_config(..., false)` stay on it until it closes, so
 * PgVectorIndex records here which search settings it has applied to this session.
 */
export interface SqlSession {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
  /** Session settings already applied (name -> value), kept by the index. */
  readonly settings: Map<string, string>;
}

/**
 * The little PgVectorIndex needs from a Postgres client: run work on one session at a time. Two adapters:
 * `connectPg` (the `pg` client, any Postgres by connection string: a real server or PGlite behind pglite-socket) and
 * `openPglite` (in-process PGlite, for unit tests).
 */
export interface SqlClient {
  /** 'pg' over the wire, 'pglite' in process. */
  readonly kind: 'pg' | 'pglite';
  /**
   * Runs `work` on one session; no other caller uses that session until `work` settles. Errors are raised as
   * RunError with secrets redacted.
   */
  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface PgConnectOptions {
  /** postgres://user:password@host:port/db (or key=value form). Never logged, never in an error message. */
  connectionString: string;
  /** Give up connecting after this long. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Client-side limit on one query (an index build is one query). Default 300,000 ms. */
  queryTimeoutMs?: number;
  /**
   * Connections kept open. Default 1: PGlite behind pglite-socket takes one connection at a time, so concurrent
   * callers queue on it; raise it only for a server that takes several.
   */
  poolSize?: number;
}

/** Replaces the connection string, and its password if it has one, in a message. */
export function redactConnection(text: string, connectionString: string): string {
  let out = text.split(connectionString).join('<connection string>');
  for (const secret of secretsOf(connectionString)) out = out.split(secret).join('***');
  return out;
}

function secretsOf(connectionString: string): string[] {
  const secrets: string[] = [];
  try {
    const url = new URL(connectionString);
    if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
  } catch {
    // key=value form
  }
  for (const match of connectionString.matchAll(/password\s*=\s*('([^']*)'|\S+)/gi)) secrets.push(match[2] ?? match[1]);
  return secrets.filter((s) => s.length > 0);
}

/** Where the server is, for messages: host and port only (no user, password or database). */
function serverOf(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  } catch {
    const host = /host\s*=\s*(\S+)/i.exec(connectionString)?.[1] ?? 'localhost';
    const port = /port\s*=\s*(\d+)/i.exec(connectionString)?.[1] ?? '5432';
    return `${host}:${port}`;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

function describe(error: unknown): { code: string | undefined; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? error) };
}

/**
 * Opens a pool on `connectionString` and checks it answers (one `SELECT 1`), within `connectTimeoutMs`. Throws
 * VectorStoreError (exit 2) when the server cannot be reached or refuses the login; nothing can hang.
 */
export async function connectPg(options: PgConnectOptions): Promise<SqlClient> {
  const { connectionString } = options;
  registerUrlSecrets(connectionString, { onlyQuery: PG_SECRET_PARAMS });
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const where = serverOf(connectionString);
  const pool = new pg.Pool({
    connectionString,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: options.queryTimeoutMs ?? 300_000,
    max: options.poolSize ?? 1,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // An idle connection that breaks emits 'error' on the pool; without a listener Node would crash the process.
  // The next query on it fails and is reported there.
  pool.on('error', () => {});
  const sessions = new WeakMap<pg.PoolClient, SqlSession>();
  const redact = (text: string) => redactConnection(text, connectionString);

  const client: SqlClient = {
    kind: 'pg',
    async withSession(work) {
      let conn: pg.PoolClient;
      try {
        conn = await pool.connect();
      } catch (error) {
        const { code, message } = describe(error);
        throw new RunError(`Postgres at ${where}: could not get a connection (${code ?? 'error'}): ${redact(message)}`);
      }
      let session = sessions.get(conn);
      if (!session) {
        const c = conn;
        session = {
          settings: new Map(),
          async query(text, params) {
            const result = await c.query(text, params as unknown[] | undefined);
            return { rows: result.rows };
          },
        };
        sessions.set(conn, session);
      }
      let broken: Error | undefined;
      try {
        return await work(session);
      } catch (error) {
        const { code, message } = describe(error);
        if (code === undefined || NETWORK_CODES.has(code) || /timeout|terminated/i.test(message)) broken = new Error('broken');
        if (error instanceof MemoptError) throw error;
        throw new RunError(`Postgres at ${where}: ${shorten(redact(message))}${code ? ` (${code})` : ''}`);
      } finally {
        // A connection that failed below SQL (timeout, reset) is discarded rather than returned to the pool.
        conn.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };

  try {
    const probe = await pool.connect();
    try {
      await probe.query('SELECT 1');
    } finally {
      probe.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    const { code, message } = describe(error);
    const refused = /password|authentication|does not exist|no pg_hba|permission/i.test(message);
    const timedOut = /timeout/i.test(message);
    throw new VectorStoreError(
      refused ? 'rejected' : 'unreachable',
      refused
        ? `Postgres at ${where} refused the connection: ${shorten(redact(message))}`
        : timedOut
          ? `cannot reach Postgres at ${where}: no answer within ${connectTimeoutMs} ms (connectTimeoutMs)`
          : `cannot reach Postgres at ${where}: ${shorten(redact(message))}${code ? ` (${code})` : ''}`,
    );
  }
  return client;
}

/** A database message cut to its first line and 300 characters (Postgres echoes whole input values). */
export function shorten(message: string): string {
  const line = message.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * The connection string held in environment variable `name` (how a scenario or script names a user's Postgres, so
 * the string itself is never in a file or a report). An InputError (exit 2) naming the variable when it is unset.
 */
export function connectionStringFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new InputError({ field: name }, `environment variable ${name} is not set (expected a Postgres connection string)`);
  }
  return value;
}
