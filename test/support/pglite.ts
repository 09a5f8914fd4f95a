import { afterAll, beforeAll } from 'vitest';
import { openPglite, type PgliteHandle } from '../../src/parts/vector-store/pglite-client.ts';

/**
 * One in-process PGlite (with pgvector) for a test file: opened before its tests (loading the WebAssembly takes
 * seconds, over a minute on a loaded machine), closed after. Returns a getter for the handle.
 */
export function useInProcessPglite(): () => PgliteHandle {
  let handle: PgliteHandle | undefined;
  beforeAll(async () => {
    handle = await openPglite();
  }, 240_000);
  afterAll(async () => {
    await handle?.client.close();
  });
  return () => {
    if (!handle) throw new Error('PGlite is not open yet (call the getter inside a test)');
    return handle;
  };
}
