import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const passing = join(fixtures, 'scenarios', 'passing.ts');
const advisory = join(fixtures, 'scenarios', 'advisory-only.ts');
const hang = join(fixtures, 'signals', 'hang.ts');

/** Runs main() in process; sends `signal` on the given source when the progress names `during` for the first time. */
async function interruptedRun(argv: string[], signal: 'SIGINT' | 'SIGTERM', during: string) {
  const signals = new EventEmitter();
  let out = '';
  let err = '';
  let sent = false;
  const code = await main(argv, {
    out: (t) => (out += t),
    err: (t) => {
      err += t;
      if (!sent && t.includes(during)) {
        sent = true;
        signals.emit(signal);
      }
    },
    signals,
  });
  return { code, out, err, listeners: signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM') };
}

describe('SIGINT and SIGTERM: the run is marked interrupted, never compared as complete', () => {
  it('SIGINT during the second scenario (files run in name order): exit 130, the first scenario kept, status interrupted, latest not moved', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-interrupt-'));
    const out = join(root, 'reports');
    const r = await interruptedRun(['run', passing, advisory, '--out', out], 'SIGINT', '[2/2]');
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/SIGINT: run interrupted during fixture-passing; 1 scenario\(s\) recorded/);
    expect(r.listeners).toBe(0);
    const dir = await lastRun(out);
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ status: 'interrupted', exitCode: 130 });
    expect(run.scenarios.map((s: { name: string }) => s.name)).toEqual(['fixture-advisory']);
    expect(await readFile(join(dir, 'summary.csv'), 'utf8')).toContain('fixture-advisory,requests');
    expect(existsSync(join(out, 'latest'))).toBe(false);

    const compare = await main(['compare', dir, dir, '--baselines-dir', join(root, 'b')], { out: () => {}, err: () => {} });
    expect(compare).toBe(2);
  });

  it('SIGTERM: exit 143; --save-baseline is not saved from an interrupted run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-interrupt-'));
    const out = join(root, 'reports');
    const r = await interruptedRun(['run', passing, advisory, '--out', out, '--save-baseline', 'b', '--baselines-dir', join(root, 'b')], 'SIGTERM', '[2/2]');
    expect(r.code).toBe(143);
    expect(JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8'))).toMatchObject({ status: 'interrupted', exitCode: 143 });
    expect(existsSync(join(root, 'b'))).toBe(false);
  });

  it('a real process killed with SIGTERM mid-scenario exits 143 with its run marked interrupted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-interrupt-'));
    const out = join(root, 'reports');
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'memopt.js'), 'run', passing, hang, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    // The first scenario's table is printed after its files are written; the second never finishes.
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/fixture-passing .*PASSED/.test(stdout) && child.exitCode === null && !child.killed) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(143);
    const run = JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8'));
    expect(run).toMatchObject({ status: 'interrupted', exitCode: 143 });
    expect(run.scenarios).toHaveLength(1);
  }, 60_000);
});
