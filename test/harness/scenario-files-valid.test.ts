import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findScenarioFiles, loadScenarioFile, loadScenarios } from '../../src/harness/loader.ts';

/**
 * Every shipped scenario file loads and passes validation (its driver's workload and params schemas, targets on
 * known metrics, unique names), in full and in quick form, through the loader `memopt run` uses. A file that does
 * not is a failure here, not at the start of a bench run.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FOLDERS = [
  { dir: 'scenarios', required: true },
  { dir: 'examples', required: false },
].filter((folder) => folder.required || existsSync(resolve(ROOT, folder.dir)));

describe.each(FOLDERS)('every scenario file in $dir/ is valid', ({ dir, required }) => {
  it.each([['full', false], ['quick', true]] as const)('loads and validates in %s form', async (_form, quick) => {
    const files = await findScenarioFiles([resolve(ROOT, dir)], resolve(ROOT, dir));
    if (required) expect(files.length).toBeGreaterThan(0);
    // All files together: names must be unique across the folder, as for `memopt run <folder>`.
    const scenarios = await loadScenarios(files, { quick });
    if (required) expect(scenarios.length).toBeGreaterThan(0);
    for (const file of files) {
      const loaded = await loadScenarioFile(file, { quick });
      expect(loaded.length, file).toBeGreaterThan(0);
      for (const scenario of loaded) {
        expect(scenario.file).toBe(file);
        expect(scenario.repetitions, file).toBeGreaterThan(0);
      }
    }
    expect(scenarios.length).toBe((await Promise.all(files.map((f) => loadScenarioFile(f, { quick })))).flat().length);
  });
});
