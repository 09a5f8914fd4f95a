import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { lastRun } from '../support/run-folders.ts';

const sweepFixture = join(import.meta.dirname, '..', 'fixtures', 'compare', 'sweep');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('param sweeps and the run manifest', () => {
  it('a declared sweep runs the variant once per value and writes <scenario>.sweep.csv', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-sweep-')), 'reports');
    const r = await cli('run', sweepFixture, '--out', out);
    expect(r.code).toBe(0);
    const rows = parse(await readFile(join(await lastRun(out), 'fixture-sweep.sweep.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.param, row.value, row.requests, row.variant])).toEqual([
      ['requests', '10', '10', 'opt'],
      ['requests', '20', '20', 'opt'],
      ['requests', '40', '40', 'opt'],
      ['requests', '80', '80', 'opt'],
    ]);
    // The CI log form of progress: one line per finished step (prepare + 2 pairs + 4 sweep points).
    expect(r.err.match(/^memopt: \[1\/1\] fixture-sweep step \d\/9 /gm)).toHaveLength(9);
  });

  it('--quick uses quickValues; --no-sweep skips the sweep', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-sweep-'));
    await cli('run', sweepFixture, '--out', join(root, 'quick'), '--quick');
    const quick = parse(await readFile(join(await lastRun(join(root, 'quick')), 'fixture-sweep.sweep.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(quick.map((row) => row.value)).toEqual(['10', '80']);
    const r = await cli('run', sweepFixture, '--out', join(root, 'none'), '--no-sweep');
    expect(r.code).toBe(0);
    await expect(readFile(join(await lastRun(join(root, 'none')), 'fixture-sweep.sweep.csv'), 'utf8')).rejects.toThrow();
  });

  it('run.json is the run manifest: versions, machine, options, file hash, resolved mock, params, compare policies', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-manifest-')), 'reports');
    await cli('run', sweepFixture, '--out', out, '--repetitions', '3', '--seed', '5');
    const run = JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8'));
    expect(run.environment).toMatchObject({ seed: 5, repetitions: 3, quick: false, cpuCount: expect.any(Number), totalMemoryBytes: expect.any(Number) });
    expect(run.environment.os).toEqual(expect.any(String));
    expect(run.environment.argv).toEqual(['run', sweepFixture, '--out', out, '--repetitions', '3', '--seed', '5']);
    expect(run.environment.packages).toHaveProperty('tinybench');
    const scenario = run.scenarios[0];
    expect(scenario.repetitions).toBe(3);
    expect(scenario.manifest.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(scenario.manifest.optimizedParams).toEqual({ requests: 40, timeMs: 20, fail: false });
    expect(scenario.manifest.mock).toMatchObject({ seed: 5, timeScale: 1, rateLimit: expect.anything() });
    expect(scenario.manifest.sweep).toMatchObject({ param: 'requests' });
    const timing = scenario.metrics.find((m: { name: string }) => m.name === 'time_ms');
    expect(timing.comparePolicy).toEqual({ method: 'statistical', noisePct: 10, alpha: 0.05, minEffectSize: 0.5, gate: 'advisory' });
    const summary = await readFile(join(await lastRun(out), 'summary.csv'), 'utf8');
    expect(summary).toContain(`_run,run_id,,${run.environment.runId}`);
    expect(summary).toContain('_run,repetitions,,3');
  });

  it('bad --repetitions exits 2', async () => {
    const r = await cli('run', sweepFixture, '--repetitions', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--repetitions.*1 to 50/);
  });
});
