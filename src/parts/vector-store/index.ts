/** A real vector store: pgvector in Postgres (any server by connection string, or PGlite), with filtered search. */
export {
  PgVectorIndex,
  type PgAnnIndex,
  type PgRowAttributes,
  type PgSearchFilter,
  type PgSearchParams,
  type PgStorage,
  type PgVectorIndexOptions,
} from './pgvector-index.ts';
export { connectPg, connectionStringFromEnv, redactConnection, type PgConnectOptions, type SqlClient, type SqlResult, type SqlSession } from './sql-client.ts';
export { pgvectorScoreMargin } from './score-margin.ts';
export { openPglite, type PgliteHandle, type PgliteOpenOptions } from './pglite-client.ts';
export { startPgliteServer, type PgliteServer, type PgliteServerOptions } from './pglite-server-process.ts';
