import { copyFile, mkdtemp, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInputs } from '../../src/harness/inputs.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { defineScenario, validateScenario } from '../../src/harness/scenario-schema.ts';
import { fixedDriver } from '../fixtures/fixed-driver.ts';

const source = join(import.meta.dirname, '..', 'fixtures', 'bad-input', 'two-records.jsonl');

/** The fixed driver, with `during(path)` called in its first run: what another process replacing a file mid-run does. */
function driverThat(during: () => Promise<void>): typeof fixedDriver {
  let runs = 0;
  return {
    ...fixedDriver,
    async run(prepared, params, context) {
      if (runs++ === 0) await during();
      return fixedDriver.run(prepared, params, context);
    },
  } as typeof fixedDriver;
}

async function scenarioReading(driver: typeof fixedDriver, dataset: string) {
  const scenario = validateScenario(
    'inline.ts',
    defineScenario({
      name: 'reads-a-dataset',
      description: 'declares one dataset',
      driver,
      workload: { size: 2, dataset },
      repetitions: { full: 1, quick: 1 },
      baseline: { label: 'base', params: { requests: 100, timeMs: 50 } },
      optimized: { label: 'opt', params: { requests: 40, timeMs: 20 } },
      targets: [{ metric: 'requests', kind: 'reduction', atLeastPct: 50 }],
    }),
    { quick: true },
  );
  await checkInputs([scenario]);
  return scenario;
}

async function copyOfDataset(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'memopt-inputs-')), 'data.jsonl');
  await copyFile(source, path);
  return path;
}

describe('an input file changed after it was hashed', () => {
  it('while the scenario runs: the scenario is refused (exit 2), naming the file and both hashes', async () => {
    const path = await copyOfDataset();
    const scenario = await scenarioReading(driverThat(() => appendFile(path, '{"id":"x","text":"added mid-run"}\n')), path);
    const result = await runScenario(scenario, { quick: true, sweep: false });
    expect(result.status).toBe('errored');
    if (result.status !== 'errored') return;
    expect(result.error.exitCode).toBe(2);
    expect(result.error.message).toContain(path);
    expect(result.error.message).toMatch(/changed while scenario 'reads-a-dataset' ran \(sha256 [0-9a-f]{12} when checked, [0-9a-f]{12} now\)/);
  });

  it('between the check and the scenario start: refused before prepare', async () => {
    const path = await copyOfDataset();
    let prepared = 0;
    const driver = { ...fixedDriver, prepare: async (w: never, c: never) => (prepared++, fixedDriver.prepare(w, c)) } as typeof fixedDriver;
    const scenario = await scenarioReading(driver, path);
    await appendFile(path, '\n');
    const result = await runScenario(scenario, { quick: true, sweep: false });
    expect(result.status).toBe('errored');
    expect(prepared).toBe(0);
    expect(result.status === 'errored' && result.error.message).toMatch(/changed after it was checked, before scenario/);
  });

  it('unchanged: the scenario runs and records the hash it measured with', async () => {
    const path = await copyOfDataset();
    const scenario = await scenarioReading(fixedDriver, path);
    const result = await runScenario(scenario, { quick: true, sweep: false });
    expect(result.status).toBe('passed');
    expect(result.manifest?.inputs?.[0].sha256).toBe(scenario.inputs![0].sha256);
  });
});
