import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { lastRun, latestRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const suite = join(fixtures, 'scenarios');
const threeScenarios = '/^fixture-(passing|advisory|missing)$/';
const withFailing = '/^fixture-(passing|advisory|missing|failing-run)$/';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const readRun = async (dir: string) => JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));

/** summary.csv without the `_run` rows (run id, time and machine differ between any two runs). */
const summaryBody = async (dir: string) =>
  (await readFile(join(dir, 'summary.csv'), 'utf8')).split('\n').filter((line) => !line.startsWith('_run,'));

/** Runs the suite unsharded, and as shards 1/2 and 2/2 merged; returns both run folders and exit codes. */
async function unshardedAndMerged(filter: string, extra: string[] = []) {
  const root = await mkdtemp(join(tmpdir(), 'memopt-merge-'));
  const whole = await cli('run', suite, '--filter', filter, '--out', join(root, 'whole'), ...extra);
  const shardDirs: string[] = [];
  for (const shard of ['1/2', '2/2']) {
    const out = join(root, `shard-${shard[0]}`);
    await cli('run', suite, '--filter', filter, '--shard', shard, '--durations', 'none', '--out', out, ...extra);
    shardDirs.push(out);
  }
  const merged = await cli('merge', ...shardDirs, '--out', join(root, 'merged'), '--markdown', join(root, 'summary.md'), '--baselines-dir', join(root, 'baselines'), '--save-baseline', 'merged');
  return { root, whole, merged, wholeDir: await lastRun(join(root, 'whole')), mergedDir: await lastRun(join(root, 'merged')) };
}

describe('run --shard 1/2 + run --shard 2/2 + merge = one unsharded run', () => {
  it('same exact counters, verdicts, summary rows and exit code on a three-scenario suite', async () => {
    const { root, whole, merged, wholeDir, mergedDir } = await unshardedAndMerged(threeScenarios);
    expect(whole.code).toBe(1); // fixture-missing misses a strict target
    expect(merged.code).toBe(whole.code);
    expect(merged.err).toBe('');

    const a = await readRun(wholeDir);
    const b = await readRun(mergedDir);
    expect(b.status).toBe(a.status);
    expect(b.exitCode).toBe(a.exitCode);
    expect(b.scenarios.map((s: { name: string }) => s.name)).toEqual(a.scenarios.map((s: { name: string }) => s.name));
    expect(b.scenarios.map((s: { status: string }) => s.status)).toEqual(['passed', 'missed', 'passed']);
    expect(b.scenarios.map((s: { status: string }) => s.status)).toEqual(a.scenarios.map((s: { status: string }) => s.status));
    expect(await summaryBody(mergedDir)).toEqual(await summaryBody(wholeDir));
    // Per-scenario CSVs and detail tables hold the same rows (the fixture's values are fixed; run ids differ).
    const withoutRunId = async (dir: string, file: string) =>
      (await readFile(join(dir, file), 'utf8')).split('\n').map((line) => line.slice(line.indexOf(',') + 1));
    for (const name of ['fixture-advisory', 'fixture-missing', 'fixture-passing']) {
      for (const file of [`${name}.csv`, `${name}.rows.csv`]) {
        const rows = await withoutRunId(mergedDir, file);
        expect(rows.length).toBeGreaterThan(2);
        expect(rows).toEqual(await withoutRunId(wholeDir, file));
      }
    }
    // run.json records each shard's manifest; the Markdown summary states the exit code.
    expect(b.environment.shard).toBeNull();
    expect(b.environment.mergedFrom.map((s: { index: number; environment: { shard: { index: number } } }) => [s.index, s.environment.shard.index])).toEqual([[1, 1], [2, 2]]);
    expect(await readFile(join(root, 'summary.md'), 'utf8')).toContain("exit code **1**");

    // compare treats the merged run exactly as an unsharded one: every exact counter equal, nothing regressed.
    const compared = await cli('compare', wholeDir, mergedDir, '--out', join(root, 'cmp'));
    expect(compared.code).toBe(1); // the current run's missed target, as for two unsharded runs
    const comparison = (await readFile(join(root, 'cmp', 'comparison.csv'), 'utf8')).split('\n').slice(1).filter(Boolean);
    expect(comparison.length).toBeGreaterThan(0);
    expect(comparison.some((row) => row.includes(',regressed,'))).toBe(false);
    const exact = comparison.filter((row) => row.includes(',exact,false,'));
    expect(exact.length).toBeGreaterThanOrEqual(12); // requests and mock_requests, both sides, three scenarios
    for (const row of exact) expect(row).toContain(',unchanged,');
    expect(compared.out).toContain('0 regressed');
    // The same through the saved baseline written by merge --save-baseline.
    const viaBaseline = await cli('compare', 'merged', wholeDir, '--baselines-dir', join(root, 'baselines'));
    expect(viaBaseline.code).toBe(1);
    expect(viaBaseline.out).toMatch(/compared \d+ metric\(s\): gating: 0 regressed, 0 improved, \d+ unchanged, 0 inconclusive; advisory \(never fails a build\): 0 regressed, 0 improved, \d+ unchanged, 0 inconclusive/);
  });

  it('the exact counters of compare are the same whether the saved run was merged or not', async () => {
    const { root, wholeDir, mergedDir } = await unshardedAndMerged(threeScenarios);
    const rerun = await cli('run', suite, '--filter', threeScenarios, '--out', join(root, 'again'));
    expect(rerun.code).toBe(1);
    const current = await latestRun(join(root, 'again')).catch(() => lastRun(join(root, 'again')));
    const exactRows = async (saved: string) => {
      const out = join(root, `cmp-${saved === wholeDir ? 'whole' : 'merged'}`);
      await cli('compare', saved, current, '--out', out);
      return (await readFile(join(out, 'comparison.csv'), 'utf8'))
        .split('\n')
        .filter((row) => row.includes(',exact,false,'))
        .map((row) => row.split(',').slice(2).join(','));
    };
    const fromWhole = await exactRows(wholeDir);
    expect(fromWhole.length).toBeGreaterThan(0);
    expect(await exactRows(mergedDir)).toEqual(fromWhole);
  });

  it('a scenario that errors in a shard gives the merged run exit 3 and status failed, as unsharded', async () => {
    const { whole, merged, wholeDir, mergedDir } = await unshardedAndMerged(withFailing);
    expect(whole.code).toBe(3);
    expect(merged.code).toBe(3);
    const a = await readRun(wholeDir);
    const b = await readRun(mergedDir);
    expect([b.status, b.exitCode]).toEqual([a.status, a.exitCode]);
    expect(b.status).toBe('failed');
    expect(b.scenarios.map((s: { status: string }) => s.status)).toEqual(a.scenarios.map((s: { status: string }) => s.status));
    // A failed run is not saved as a baseline.
    expect(merged.err).toMatch(/baseline 'merged' not saved: the run is failed/);
  });
});
