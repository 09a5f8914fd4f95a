import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { MemoptError, RunError } from '../../errors.ts';
import { shorten, type SqlClient, type SqlSession } from './sql-client.ts';

export interface PgliteOpenOptions {
  /** Where PGlite keeps its files; default in memory. */
  dataDir?: string;
  /** Load the pgvector extension. Default true (false only to test the missing-extension error). */
  pgvector?: boolean;
  /**
   * A data directory dumped by `db.dumpDataDir('none')` to start from instead of running initdb (which takes most
   * of the seconds PGlite.create takes). Tests start from a dump of a fresh database (test/support/pglite.ts).
   */
  loadDataDir?: Blob;
}

/** A PGlite database and the SqlClient over it. */
export interface PgliteHandle {
  readonly db: PGlite;
  readonly client: SqlClient;
}

/**
 * In-process PGlite (Postgres 18 + pgvector 0.8 in WebAssembly) as a SqlClient: for unit tests only, since its CPU
 * and memory are then the caller's. PGlite is one session; callers take turns on it (a promise chain), so one
 * caller's session settings and transaction never interleave with another's.
 */
export async function openPglite(options: PgliteOpenOptions = {}): Promise<PgliteHandle> {
  const db = await PGlite.create({
    dataDir: options.dataDir,
    extensions: options.pgvector === false ? {} : { vector },
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const session: SqlSession = {
    settings: new Map(),
    async query(text, params) {
      const result = await db.query(text, params as unknown[] | undefined);
      return { rows: result.rows as never[] };
    },
  };
  let turn: Promise<unknown> = Promise.resolve();
  const client: SqlClient = {
    kind: 'pglite',
    withSession(work) {
      const run = turn.then(async () => {
        try {
          return await work(session);
        } catch (error) {
          if (error instanceof MemoptError) throw error;
          throw new RunError(`PGlite: ${shorten((error as Error).message)}`);
        }
      });
      turn = run.catch(() => {});
      return run;
    },
    async close() {
      await turn;
      if (!db.closed) await db.close();
    },
  };
  return { db, client };
}
