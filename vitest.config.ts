import { defineConfig } from 'vitest/config';
import { E2E_TEST_FILES } from './test/e2e-files.ts';

/** Settings both suites share (`npm test` here, `npm run test:e2e` in vitest.e2e.config.ts). */
export const sharedTestOptions = {
  // Tests share one msw server per worker file; keep files isolated, and keep the suite within 2 cores.
  pool: 'forks',
  maxWorkers: 2,
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // The CLI's scenarios talk to the in-process mock in tests (the CLI's default is a memopt server in a child
  // process, one start per scenario); tests of the server path pass --endpoint-kind server.
  env: { MEMOPT_ENDPOINT_KIND: 'in-process' },
} as const;

/**
 * `import 'memopt'` in scenarios/ and examples/ resolves to src/public-api.ts (the `memopt-source` export condition
 * in package.json; an installed copy resolves to dist/), as bin/memopt.js does in the repository. The other three
 * are vite's default server conditions, which setting the list replaces.
 */
export const sourceResolution = { ssr: { resolve: { conditions: ['memopt-source', 'module', 'node', 'development|production'] } } };

/** `npm test`: every test file but the end-to-end ones (test/e2e-files.ts), which `npm run test:e2e` runs. */
export default defineConfig({
  ...sourceResolution,
  test: {
    ...sharedTestOptions,
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...E2E_TEST_FILES],
  },
});
