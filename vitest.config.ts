import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests share one msw server per worker file; keep files isolated, and keep the suite within 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The CLI's scenarios talk to the in-process mock in tests (the CLI's default is a memopt server in a child
    // process, one start per scenario); tests of the server path pass --endpoint-kind server.
    env: { MEMOPT_ENDPOINT_KIND: 'mock' },
  },
});
