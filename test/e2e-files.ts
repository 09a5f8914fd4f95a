/**
 * The end-to-end test files: whole CLI runs, memopt servers in child processes or over HTTP, Postgres (PGlite) and
 * full driver runs. They run in `npm run test:e2e` (vitest.e2e.config.ts), not in `npm test`, which keeps the unit
 * suite fast; `.ci/run` runs both. Chosen by measured duration (each took 3 s or more on a loaded 2-core machine, or
 * starts PGlite or a server process). Paths are relative to the repository root.
 */
export const E2E_TEST_FILES = [
  // Postgres (PGlite, a WebAssembly Postgres started per file)
  'test/vector-store/pgvector-run-postgres-option.test.ts',
  'test/vector-store/pgvector-clear-errors.test.ts',
  'test/vector-store/pgvector-from-params-in-a-scenario-server.test.ts',
  'test/vector-store/search-trace-over-pgvector.test.ts',
  'test/vector-store/pgvector-storage-and-ann-options.test.ts',
  'test/vector-store/pgvector-exact-matches-flat.test.ts',
  'test/vector-store/search-cache-targeted-over-pgvector.test.ts',
  'test/vector-store/pgvector-filtered-search.test.ts',
  'test/vector-store/pglite-server-over-the-wire.test.ts',
  'test/vector-store/pgvector-user-database-checked-before-run.test.ts',
  'test/parts/every-registered-kind.test.ts',
  // memopt servers over HTTP or in child processes
  'test/endpoint/url-endpoint-ledger.test.ts',
  'test/harness/transport-errors-by-kind.test.ts',
  'test/harness/cost-cap-stops-run.test.ts',
  'test/harness/scenario-over-http.test.ts',
  'test/endpoint/server-isolation.test.ts',
  'test/endpoint/serve-real-model.test.ts',
  'test/endpoint/server-http.test.ts',
  'test/endpoint/serve-command.test.ts',
  // whole CLI runs of scenarios
  'test/harness/cli-run-endpoint.test.ts',
  'test/harness/cli.test.ts',
  'test/harness/cli-run-trace.test.ts',
  'test/harness/examples-run.test.ts',
  'test/harness/cli-run-endpoint-api-scenarios.test.ts',
  'test/harness/cli-merge-same-as-unsharded.test.ts',
  'test/harness/cli-interrupt.test.ts',
  'test/harness/cli-merge-refusals.test.ts',
  'test/harness/cli-shard-split.test.ts',
  'test/harness/determinism-check-end-to-end.test.ts',
  'test/harness/cli-user-scenario-charts.test.ts',
  'test/harness/run-suite-same-as-cli.test.ts',
  'test/harness/run-suite-abort.test.ts',
  'test/harness/user-part-errors-named.test.ts',
  'test/harness/factory-variant-sweep-charts.test.ts',
  'test/harness/cli-endpoint-serves-model.test.ts',
  'test/harness/cli-secrets-never-written.test.ts',
  'test/harness/cli-compare.test.ts',
  'test/harness/cli-run-folders.test.ts',
  'test/compare/baseline-saves-concurrent.test.ts',
  // a browser, or the real sentence model run on many texts
  'test/report/report-html-browser.test.ts',
  'test/endpoint/use-lite-input-limit.test.ts',
  // the real openai SDK against the emulated API with its modelled latencies (seconds of real waiting)
  'test/embeddings/embeddings-mock-api.test.ts',
  // every index kind, PGlite included
  'test/memory/nul-refused-in-every-index.test.ts',
  // full driver runs and whole-dataset checks
  'test/vector-index/index-compression-driver.test.ts',
  'test/datasets/shipped-vectors-match-model.test.ts',
  'test/datasets/agent-memory-vectors.test.ts',
  'test/vector-index/index-run-mock-vs-real.test.ts',
] as const;
