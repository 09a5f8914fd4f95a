import { existsSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openPglite, type PgliteHandle, type PgliteOpenOptions } from '../../src/parts/vector-store/pglite-client.ts';

/**
 * One in-process PGlite (with pgvector) for a test file: opened before its tests (loading the WebAssembly takes
 * seconds, over a minute on a loaded machine), closed after; the file's tests use tables of their own. Returns a
 * getter for the handle.
 */
export function useInProcessPglite(): () => PgliteHandle {
  let handle: PgliteHandle | undefined;
  beforeAll(async () => {
    handle = await openTestPglite();
  }, 240_000);
  afterAll(async () => {
    await handle?.client.close();
  });
  return () => {
    if (!handle) throw new Error('PGlite is not open yet (call the getter inside a test)');
    return handle;
  };
}

const root = join(import.meta.dirname, '..', '..');
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * An in-process PGlite as `openPglite` gives it, started from a dump of a fresh database instead of running initdb
 * again: the first test file on a machine (per PGlite and pgvector version) dumps its new database before any query
 * into the system's temp folder, and later files load that dump, which takes a fraction of initdb's seconds. The
 * database is the same either way (a fresh cluster, no extension created yet); a dump that fails to load is
 * replaced by a new one.
 */
export async function openTestPglite(options: Omit<PgliteOpenOptions, 'loadDataDir' | 'dataDir'> = {}): Promise<PgliteHandle> {
  const file = join(
    tmpdir(),
    `memopt-test-pglite-${versionOf('@electric-sql/pglite')}-${versionOf('@electric-sql/pglite-pgvector')}-${options.pgvector === false ? 'plain' : 'vector'}.tar`,
  );
  if (existsSync(file)) {
    try {
      return await openPglite({ ...options, loadDataDir: new Blob([await readFile(file)]) });
    } catch {
      // A truncated or foreign dump: start afresh and replace it.
    }
  }
  const handle = await openPglite(options);
  try {
    const dump = await handle.db.dumpDataDir('none');
    // Written whole, then renamed: a concurrent test file reads either no dump or a complete one.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } catch {
    // No dump: later files run initdb too.
  }
  return handle;
}
