import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Drivers know parts only through the part interfaces and the registry: no driver imports a module that defines a
 * part class (an Embedder, VectorIndex, SearchResultCache, processor or searcher implementation) or tests a value
 * with `instanceof` against one. A new part is then one registry entry, never a branch in a driver.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DRIVERS = join(ROOT, 'src', 'drivers');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Modules under src/parts that define a class (the parts themselves and their machinery), and those classes. */
function partClassModules(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of filesUnder(join(ROOT, 'src', 'parts'))) {
    const classes = [...readFileSync(file, 'utf8').matchAll(/^export (?:abstract )?class (\w+)/gm)].map((m) => m[1]);
    if (classes.length > 0) out.set(file, classes);
  }
  return out;
}

describe('drivers', () => {
  const partModules = partClassModules();
  const partClasses = new Set([...partModules.values()].flat());
  // The registry's connection holder is a class, but not a part: drivers hand it to the registry.
  const allowedModules = new Set([join(ROOT, 'src', 'parts', 'registry.ts')]);

  it('finds the part classes to check against (the check is not vacuous)', () => {
    for (const name of ['FlatIndex', 'CompressedIndex', 'NaiveIndex', 'BatchEmbedder', 'SearchCache', 'PgVectorIndex', 'UsearchIndex', 'ParallelProcessor']) {
      expect(partClasses.has(name), name).toBe(true);
    }
  });

  for (const file of filesUnder(DRIVERS)) {
    it(`${file.slice(ROOT.length + 1)} imports no module that defines a part class, and tests nothing with instanceof one`, () => {
      const source = readFileSync(file, 'utf8');
      const imported = [...source.matchAll(/from '(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]));
      const offending = imported.filter((path) => partModules.has(path) && !allowedModules.has(path));
      expect(offending.map((path) => `${path.slice(ROOT.length + 1)} (${partModules.get(path)!.join(', ')})`)).toEqual([]);
      const tested = [...source.matchAll(/instanceof\s+(\w+)/g)].map((m) => m[1]).filter((name) => partClasses.has(name));
      expect(tested).toEqual([]);
    });
  }
});
