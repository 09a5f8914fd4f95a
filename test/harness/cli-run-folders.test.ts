import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MOCK_MODEL_VERSION } from '../../src/endpoint/emulated-api/index.ts';
import { lastRun, latestRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const passing = join(fixtures, 'scenarios', 'passing.ts');
const failing = join(fixtures, 'scenarios', 'failing-run.ts');
const sweep = join(fixtures, 'compare', 'sweep', 'scenario.ts');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const readRun = async (dir: string) => JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));

describe('a run is a unit: its own folder, its status, its inputs', () => {
  it('each run writes into a new folder under <out>/runs/; latest names the last complete one', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-runs-')), 'reports');
    expect((await cli('run', sweep, '--out', out, '--quick')).code).toBe(0);
    const first = await latestRun(out);
    expect(await readdir(first)).toContain('fixture-sweep.sweep.csv');
    // A --no-sweep rerun has no sweep table: nothing of the earlier run is mixed into its folder.
    expect((await cli('run', sweep, '--out', out, '--quick', '--no-sweep')).code).toBe(0);
    const second = await latestRun(out);
    expect(second).not.toBe(first);
    expect(await readdir(second)).not.toContain('fixture-sweep.sweep.csv');
    expect((await readdir(join(out, 'runs'))).length).toBe(2);
    // The earlier run is untouched.
    expect(await readdir(first)).toContain('fixture-sweep.sweep.csv');
  });

  it('run.json records status complete, the exit code, the mock model version and each input file sha256', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-runs-')), 'reports');
    expect((await cli('run', passing, '--out', out)).code).toBe(0);
    const run = await readRun(await latestRun(out));
    expect(run).toMatchObject({ status: 'complete', exitCode: 0 });
    expect(run.environment.mockModelVersion).toBe(MOCK_MODEL_VERSION);
    expect(run.scenarios[0].manifest.inputs).toEqual([]);
  });

  it('declared inputs are hashed into the scenario manifest', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-runs-')), 'reports');
    const withInput = join(fixtures, 'scenarios', 'with-input.ts');
    expect((await cli('run', withInput, '--out', out, '--quick')).code).toBe(0);
    const run = await readRun(await latestRun(out));
    const file = 'test/fixtures/bad-input/two-records.jsonl';
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    expect(run.scenarios[0].manifest.inputs).toEqual([{ kind: 'dataset', field: 'workload.dataset', path: file, sha256, records: 2 }]);
  });

  it('a run with a failed scenario is marked failed; latest keeps the last complete run; report and compare refuse it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-runs-'));
    const out = join(root, 'reports');
    expect((await cli('run', passing, '--out', out, '--quick')).code).toBe(0);
    const complete = await latestRun(out);
    expect((await cli('run', failing, passing, '--out', out, '--quick')).code).toBe(3);
    const failed = await lastRun(out);
    expect(failed).not.toBe(complete);
    expect(await readRun(failed)).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(await latestRun(out)).toBe(complete);

    const report = await cli('report', failed);
    expect(report.code).toBe(2);
    expect(report.err).toMatch(/run\.json, field 'status': run .* is failed \(exit code 3\), not complete; pass --allow-incomplete/);
    expect(existsSync(join(failed, 'report.html'))).toBe(false);
    expect((await cli('report', failed, '--allow-incomplete')).code).toBe(0);
    // The reports root means its latest complete run.
    const latest = await cli('report', out);
    expect(latest.code).toBe(0);
    expect(latest.out).toContain(join(complete, 'report.html'));

    const compare = await cli('compare', complete, failed, '--baselines-dir', join(root, 'b'));
    expect(compare.code).toBe(2);
    expect(compare.err).toMatch(/is failed .*--allow-incomplete/);
  });
});
