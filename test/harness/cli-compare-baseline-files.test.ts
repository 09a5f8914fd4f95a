import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { baselineScenarioFiles } from '../../src/cli/baseline-scenarios.ts';
import { run, scenario } from '../support/run-reports.ts';

const savedFile = join(import.meta.dirname, '..', 'fixtures', 'compare', 'saved', 'scenario.ts');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('compare NAME runs, and names, the scenario files the baseline ran', () => {
  it('with no --scenarios: the baseline\'s own file runs (not scenarios/), and the output names it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-compare-files-'));
    const baselines = join(root, 'baselines');
    const saved = await cli('run', savedFile, '--quick', '--out', join(root, 'a'), '--save-baseline', 'main', '--baselines-dir', baselines);
    expect(saved.code).toBe(0);
    const r = await cli('compare', 'main', '--quick', '--out', join(root, 'b'), '--baselines-dir', baselines);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`compare: running the scenario file(s) baseline 'main' ran: ${relative(process.cwd(), savedFile)}`);
    expect(r.out).toMatch(/fixture-compare: gating: 0 regressed/);
  });

  it('a file that is no longer there is named, and the default folder runs instead', () => {
    const report = run([
      { ...scenario('here', []), file: savedFile },
      { ...scenario('gone', []), file: '/elsewhere/ci/scenarios/gone.ts' },
    ]);
    const found = baselineScenarioFiles(report, 'nightly');
    expect(found.files).toBeUndefined();
    expect(found.note).toContain("baseline 'nightly' ran ");
    expect(found.note).toContain('not found here: /elsewhere/ci/scenarios/gone.ts, so the default scenario folder runs (name the files with --scenarios)');
    expect(baselineScenarioFiles(run([{ ...scenario('here', []), file: savedFile }]), 'x').files).toEqual([savedFile]);
  });
});
