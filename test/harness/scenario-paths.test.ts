import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkInputs } from '../../src/harness/inputs.ts';
import { loadScenarios } from '../../src/harness/loader.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { reportedWorkload, resolveModelPath } from '../../src/harness/scenario-paths.ts';
import { DEFAULT_DATASET_DIR, shippedDataPath } from '../../src/datasets/defaults.ts';
import { ingestDriver } from '../../src/drivers/ingest.ts';

/**
 * A scenario's relative paths are read from its own folder and memopt's shipped data from the package, whatever the
 * working directory: each case runs from an empty temporary folder holding a decoy at the same relative path,
 * which a cwd-relative read would find (and fail on).
 */
const fixtures = resolve(import.meta.dirname, '../fixtures/scenario-paths');
const packageRoot = resolve(import.meta.dirname, '../..');

describe("a scenario's paths", () => {
  let previousCwd: string;
  let elsewhere: string;
  beforeEach(async () => {
    previousCwd = process.cwd();
    elsewhere = await realpath(await mkdtemp(join(tmpdir(), 'memopt-paths-')));
    await mkdir(join(elsewhere, 'data'));
    await writeFile(join(elsewhere, 'data', 'three-memories.jsonl'), 'not a JSONL line\n');
    process.chdir(elsewhere);
  });
  afterEach(() => process.chdir(previousCwd));

  it("a relative path resolves against the scenario file's folder, never the working directory", async () => {
    const [dataset] = await loadScenarios([join(fixtures, 'relative-files.ts')], { quick: false, filter: 'paths-relative-dataset' });
    const expected = join(fixtures, 'data', 'three-memories.jsonl');
    expect((dataset.workload as { dataset: string }).dataset).toBe(expected);
    await checkInputs([dataset]); // the decoy in the working directory would fail this (line 1 is not JSON)
    expect(dataset.inputs).toEqual([{ kind: 'dataset', field: 'workload.dataset', path: expected, sha256: expect.any(String), records: 3 }]);
  });

  it('nested path fields (workload.vectors.base) resolve too, in the full and the --quick form', async () => {
    const expected = join(fixtures, '..', 'bad-input', 'vectors-10x4.npy');
    for (const quick of [false, true]) {
      const [vectors] = await loadScenarios([join(fixtures, 'relative-files.ts')], { quick, filter: 'paths-relative-vectors' });
      expect((vectors.workload as { vectors: { base: string } }).vectors.base).toBe(expected);
      expect((vectors.otherFormWorkload as { vectors: { base: string } }).vectors.base).toBe(expected);
      await checkInputs([vectors]);
      expect(vectors.inputs?.map((i) => [i.field, i.path, i.records])).toEqual([['workload.vectors.base', expected, 10]]);
    }
  });

  it("memopt's shipped data (a driver's default, shippedDataPath) resolves against the package, from a JavaScript scenario", async () => {
    expect(DEFAULT_DATASET_DIR).toBe(join(packageRoot, 'datasets') + '/');
    const [shipped] = await loadScenarios([join(fixtures, 'shipped-data.mjs')], { quick: true });
    const workload = shipped.workload as { dataset: string; trace: string };
    expect(workload.dataset).toBe(join(packageRoot, 'datasets', 'memories.jsonl'));
    expect(workload.trace).toBe(join(packageRoot, 'datasets', 'traces', 'search-quick.jsonl'));
    await checkInputs([shipped]); // the working directory has no datasets/ at all
    expect(shipped.inputs?.map((i) => i.path).sort()).toEqual([shippedDataPath('memories.jsonl'), shippedDataPath('traces/search-quick.jsonl')]);
  });

  it("the scenario object itself is not changed (the resolved workload is a copy)", () => {
    const definition = {
      name: 'paths-in-memory',
      description: 'validated from memory',
      driver: ingestDriver,
      workload: { size: 2, producers: 1, dataset: 'data/x.jsonl' },
      baseline: { label: 'a', params: { embedder: 'naive' } },
      optimized: { label: 'b', params: { embedder: 'batch' } },
      targets: [{ metric: 'texts_lost', kind: 'max', max: 0 }],
    };
    const validated = validateScenario(join(fixtures, 'in-memory.ts'), definition, { quick: false });
    expect((validated.workload as { dataset: string }).dataset).toBe(join(fixtures, 'data', 'x.jsonl'));
    expect(definition.workload.dataset).toBe('data/x.jsonl');
  });

  it("run.json records each path relative to the working directory when inside it, else absolute (reportedWorkload)", async () => {
    const [dataset] = await loadScenarios([join(fixtures, 'relative-files.ts')], { quick: false, filter: 'paths-relative-dataset' });
    const variants = { baseline: dataset.baselineParams, optimized: dataset.optimizedParams };
    // From a folder outside the fixtures: absolute.
    expect((reportedWorkload(ingestDriver, dataset.workload, variants) as { dataset: string }).dataset).toBe(join(fixtures, 'data', 'three-memories.jsonl'));
    // From the repository root, as a run there records it (the same on every checkout).
    process.chdir(packageRoot);
    expect((reportedWorkload(ingestDriver, dataset.workload, variants) as { dataset: string }).dataset).toBe('test/fixtures/scenario-paths/data/three-memories.jsonl');
    expect((dataset.workload as { dataset: string }).dataset).toBe(join(fixtures, 'data', 'three-memories.jsonl')); // unchanged
  });

  it("an onnx:<folder> model in the scenario's endpoint resolves against its folder; use-lite and absolute folders are kept", () => {
    const definition = {
      name: 'paths-model',
      description: 'a model folder next to the scenario',
      driver: ingestDriver,
      endpoint: { model: 'onnx:models/tiny' },
      workload: { size: 2, producers: 1 },
      baseline: { label: 'a', params: { embedder: 'naive' } },
      optimized: { label: 'b', params: { embedder: 'batch' } },
      targets: [{ metric: 'texts_lost', kind: 'max', max: 0 }],
    };
    const validated = validateScenario(join(fixtures, 'model.ts'), definition, { quick: false });
    expect(validated.endpointOptions.model).toBe(`onnx:${join(fixtures, 'models', 'tiny')}`);
    expect(resolveModelPath('use-lite', fixtures)).toBe('use-lite');
    expect(resolveModelPath('onnx:/abs/model', fixtures)).toBe('onnx:/abs/model');
  });
});
