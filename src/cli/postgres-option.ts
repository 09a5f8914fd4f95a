/**
 * `memopt run --pg-env NAME` / `--pg-url URL`: the user's Postgres (with pgvector) that every pgvector index of the
 * run uses when its scenario names none of its own (`connectionEnv`), instead of a PGlite server per scenario.
 * `--pg-env` names the environment variable holding the connection string (preferred: the string stays out of the
 * shell history and the process list); `--pg-url` gives the string itself. Either way the string is never written
 * to a report, a log, an error or run.json (its argv shows `--pg-url [redacted]`, util/redact.ts), and the server is checked before
 * anything runs: reachable, login accepted, pgvector installed (exit 2 otherwise).
 */
import { UsageError } from '../errors.ts';
import { PG_SECRET_PARAMS, registerUrlSecrets } from '../util/redact.ts';
import { checkRunPostgres, type RunPostgres } from '../parts/vector-store/database.ts';

/** The yargs declarations of both options (passed to `.options()`). */
export const POSTGRES_RUN_OPTIONS = {
  'pg-env': {
    type: 'string',
    describe: 'Run the pgvector scenarios in your Postgres: the environment variable holding its connection string (postgresql://...)',
  },
  'pg-url': {
    type: 'string',
    describe: 'Like --pg-env, with the connection string itself (never written to a report, a log or run.json)',
  },
} as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The parsed options as a RunPostgres (undefined when neither is given); a usage error names the flag, never the URL. */
export function runPostgresFrom(args: { 'pg-env'?: string; 'pg-url'?: string }): RunPostgres | undefined {
  const env = args['pg-env'];
  const url = args['pg-url'];
  if (env !== undefined && url !== undefined) throw new UsageError({ field: '--pg-url' }, 'give --pg-env or --pg-url, not both');
  if (env !== undefined) {
    if (!ENV_NAME.test(env)) throw new UsageError({ field: '--pg-env' }, `expected an environment variable name, found '${env}'`);
    return { connectionEnv: env };
  }
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\/./.test(url.trim())) {
      throw new UsageError({ field: '--pg-url' }, 'expected a postgresql:// or postgres:// connection string (the value is not shown)');
    }
    registerUrlSecrets(url, { onlyQuery: PG_SECRET_PARAMS });
    return { connectionString: url };
  }
  return undefined;
}

/**
 * Before a run: checks the run's Postgres (exit 2 when the variable is unset, the server unreachable or the login
 * refused, or pgvector missing). The run then hands it to each scenario (PrepareContext.postgres).
 */
export async function useRunPostgres(postgres: RunPostgres | undefined): Promise<void> {
  if (postgres !== undefined) await checkRunPostgres(postgres);
}
