import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, ScenarioError } from '../../src/errors.ts';
import { loadScenarioFile, loadScenarios } from '../../src/harness/loader.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { exitCodeFor, runScenario } from '../../src/harness/runner.ts';
import { fixedDriver } from '../fixtures/fixed-driver.ts';

const FILE = 'scenarios/example.ts';
const valid = () => ({
  name: 'example',
  description: 'a valid scenario',
  driver: fixedDriver,
  workload: { size: 10 },
  quick: { size: 2 },
  baseline: { label: 'base', params: { requests: 10, timeMs: 1 } },
  optimized: { label: 'opt', params: { requests: 1, timeMs: 1 } },
  targets: [{ metric: 'requests', kind: 'reduction', atLeastPct: 50 }],
});

function errorOf(definition: unknown): ScenarioError {
  try {
    validateScenario(FILE, definition, { quick: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error('expected validation to fail');
}

describe('scenario validation names the file and the field', () => {
  it('accepts a valid scenario and applies quick overrides and defaults', () => {
    const full = validateScenario(FILE, valid(), { quick: false });
    expect(full.workload).toEqual({ size: 10 });
    expect(full.seed).toBe(42);
    expect(full.repetitions).toBe(3);
    const quick = validateScenario(FILE, valid(), { quick: true, seed: 7 });
    expect(quick.workload).toEqual({ size: 2 });
    expect(quick.seed).toBe(7);
    expect(quick.repetitions).toBe(2);
  });

  it('rejects a name that is not kebab-case', () => {
    const error = errorOf({ ...valid(), name: 'Not Kebab' });
    expect(error.message).toContain(FILE);
    expect(error.where.field).toBe('name');
    expect(error.exitCode).toBe(ExitCode.badInput);
  });

  it('rejects a missing driver', () => {
    const { driver: _driver, ...rest } = valid();
    expect(errorOf(rest).where.field).toBe('driver');
  });

  it('rejects a workload field of the wrong type with its path', () => {
    const error = errorOf({ ...valid(), workload: { size: 'ten' } });
    expect(error.where.field).toBe('workload.size');
    expect(error.message).toMatch(/number/);
  });

  it('rejects a quick override that breaks the workload, naming it', () => {
    expect(() => validateScenario(FILE, { ...valid(), quick: { size: 0 } }, { quick: true })).toThrow(/workload \(with quick\)\.size/);
  });

  it('rejects bad variant params with the side named', () => {
    const error = errorOf({ ...valid(), optimized: { label: 'opt', params: { requests: 1 } } });
    expect(error.where.field).toBe('optimized.params.timeMs');
  });

  it('rejects an unknown key at the top level (a typo must not be ignored)', () => {
    const error = errorOf({ ...valid(), repetition: { full: 1, quick: 1 } });
    expect(error.message).toMatch(/repetition/);
  });

  it('rejects an unknown mock option', () => {
    const error = errorOf({ ...valid(), mock: { latency: { baseMS: 10 } } });
    expect(error.where.field).toBe('mock.latency.baseMS');
    expect(error.message).toMatch(/baseMS/);
  });

  it('rejects a target on a metric the driver does not produce', () => {
    const error = errorOf({ ...valid(), targets: [{ metric: 'request', kind: 'max', max: 1 }] });
    expect(error.where.field).toBe('targets.0.metric');
    expect(error.message).toMatch(/expected one of: requests, time_ms/);
  });

  it('rejects a target of an unknown kind', () => {
    const error = errorOf({ ...valid(), targets: [{ metric: 'requests', kind: 'less-than', max: 1 }] });
    expect(error.where.field).toBe('targets.0.kind');
  });

  it('takes a scenario with no target (absent or empty): it only measures, passes, and exits 0 unless a run fails', async () => {
    const { targets: _dropped, ...withoutTargets } = valid();
    for (const definition of [withoutTargets, { ...valid(), targets: [] }]) {
      const scenario = validateScenario(FILE, definition, { quick: true });
      expect(scenario.targets).toEqual([]);
      const result = await runScenario(scenario, { quick: true });
      expect(result.status).toBe('passed');
      expect(result.metrics.find((m) => m.name === 'requests')).toMatchObject({ baseline: 10, optimized: 1, targets: [] });
      expect(exitCodeFor([result])).toBe(ExitCode.ok);
    }
    const failing = validateScenario(FILE, { ...withoutTargets, optimized: { label: 'opt', params: { requests: 1, timeMs: 1, fail: true } } }, { quick: true });
    const failed = await runScenario(failing, { quick: true });
    expect(failed.status).toBe('errored');
    expect(exitCodeFor([failed])).toBe(ExitCode.runFailed);
  });

  it('accepts a sweep over a param of the variant, each value parsed by the driver schema', () => {
    const full = validateScenario(FILE, { ...valid(), sweep: { param: 'requests', values: [1, 2], quickValues: [5] } }, { quick: false });
    expect(full.sweep).toMatchObject({ param: 'requests', side: 'optimized', repetitions: 1, values: [1, 2] });
    expect(full.sweep!.params).toEqual([{ requests: 1, timeMs: 1, fail: false }, { requests: 2, timeMs: 1, fail: false }]);
    expect(validateScenario(FILE, { ...valid(), sweep: { param: 'requests', values: [1, 2], quickValues: [5] } }, { quick: true }).sweep!.values).toEqual([5]);
  });

  it('rejects a sweep over a param the variant does not have, or a value its schema refuses', () => {
    const unknown = errorOf({ ...valid(), sweep: { param: 'batchSize', values: [1] } });
    expect(unknown.where.field).toBe('sweep.param');
    expect(unknown.message).toMatch(/'batchSize' is not a param of the optimized variant of driver 'fixed'/);
    const badValue = errorOf({ ...valid(), sweep: { param: 'requests', values: [1, 'two'] } });
    expect(badValue.where.field).toBe('sweep.values.1');
    expect(badValue.message).toMatch(/"two" as optimized\.params\.requests: .*number/);
    expect(errorOf({ ...valid(), sweep: { param: 'requests', values: [] } }).where.field).toBe('sweep.values');
  });

  it('rejects compare overrides on an unknown metric or with a bad field', () => {
    const unknown = errorOf({ ...valid(), compare: { request: { noisePct: 5 } } });
    expect(unknown.where.field).toBe('compare.request');
    expect(unknown.message).toMatch(/expected one of: requests, time_ms/);
    expect(errorOf({ ...valid(), compare: { requests: { alpha: 1 } } }).where.field).toBe('compare.requests.alpha');
    expect(errorOf({ ...valid(), compare: { requests: { method: 'fuzzy' } } }).where.field).toBe('compare.requests.method');
  });

  it('--repetitions replaces the scenario repetition count', () => {
    expect(validateScenario(FILE, valid(), { quick: true, repetitions: 9 }).repetitions).toBe(9);
  });
});

describe('loading scenario files', () => {
  const bad = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'bad-scenarios', name);

  it('reports a module that does not parse, naming the file', async () => {
    const file = bad('syntax-error.ts');
    await expect(loadScenarioFile(file, { quick: false })).rejects.toThrow(ScenarioError);
    await expect(loadScenarioFile(file, { quick: false })).rejects.toThrow(/syntax-error\.ts: cannot load the scenario module/);
  });

  it('reports a bad field in a file', async () => {
    await expect(loadScenarioFile(bad('bad-workload.ts'), { quick: false })).rejects.toThrow(/bad-workload\.ts, field 'workload\.size'/);
  });
});

describe('suite files: an array of scenarios in one file', () => {
  const suite = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'suites', name);

  it('loads every scenario of the array in order, each validated and quick-merged on its own, with the file hash', async () => {
    const loaded = await loadScenarioFile(suite('two-scenarios.ts'), { quick: true });
    expect(loaded.map((s) => s.definition.name)).toEqual(['suite-first', 'suite-second']);
    expect(loaded.map((s) => s.workload)).toEqual([{ size: 10 }, { size: 2 }]);
    expect(loaded[0].fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded[1].fileSha256).toBe(loaded[0].fileSha256);
  });

  it('filters the scenarios of a suite by name', async () => {
    const loaded = await loadScenarios([suite('two-scenarios.ts')], { quick: false, filter: 'second' });
    expect(loaded.map((s) => s.definition.name)).toEqual(['suite-second']);
  });

  it('names the element and the field of a bad scenario in a suite', async () => {
    await expect(loadScenarioFile(suite('bad-element.ts'), { quick: false })).rejects.toThrow(
      /bad-element\.ts, field 'default\.1\.workload\.size': /,
    );
  });

  it('rejects an empty suite', async () => {
    await expect(loadScenarioFile(suite('empty.ts'), { quick: false })).rejects.toThrow(/empty\.ts, field 'default': an empty array/);
  });

  it('rejects a name used twice in one suite', async () => {
    await expect(loadScenarios([suite('name-clash.ts')], { quick: false })).rejects.toThrow(
      /name-clash\.ts, field 'default\.1\.name': name 'suite-twice' is already used by another scenario in this file/,
    );
  });
});
