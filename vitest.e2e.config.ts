import { defineConfig } from 'vitest/config';
import { sharedTestOptions, sourceResolution } from './vitest.config.ts';
import { E2E_TEST_FILES } from './test/e2e-files.ts';

/** `npm run test:e2e`: the end-to-end test files only (test/e2e-files.ts), with the unit suite's settings. */
export default defineConfig({
  ...sourceResolution,
  test: { ...sharedTestOptions, include: [...E2E_TEST_FILES] },
});
