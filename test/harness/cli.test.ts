import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const good = (name: string) => join(fixtures, 'scenarios', `${name}.ts`);
const bad = (name: string) => join(fixtures, 'bad-scenarios', `${name}.ts`);

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function outDir() {
  return join(await mkdtemp(join(tmpdir(), 'memopt-cli-')), 'reports');
}

describe('memopt CLI exit codes', () => {
  it('0 when every target is met, with reports written', async () => {
    const out = await outDir();
    const r = await cli('run', good('passing'), '--out', out, '--quick');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fixture-passing .*PASSED/);
    const summary = await readFile(join(await lastRun(out), 'summary.csv'), 'utf8');
    expect(summary.split('\n')[0]).toBe('scenario,metric,unit,baseline,optimized,change_pct,target,passed,class');
    expect(summary).toContain('fixture-passing,requests,requests,100,40,-60,<= -50%,true');
    // Each run got a fresh mock: nothing this driver did reached the API.
    expect(summary).toContain('fixture-passing,mock_requests,requests,0,0,,<= 0,true');
  });

  it('1 when a strict target is missed, and the miss is reported with the measured number', async () => {
    const r = await cli('run', good('missing-target'), '--out', await outDir());
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/<= -50%: MISSED \(-40\.0|<= -50%: MISSED \(-40/);
  });

  it('0 when only an advisory target is missed', async () => {
    const r = await cli('run', good('advisory-only'), '--out', await outDir());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/missed, advisory/);
  });

  it('3 when a run fails, and the other scenarios still run and report', async () => {
    const out = await outDir();
    const r = await cli('run', good('failing-run'), good('passing'), '--out', out);
    expect(r.code).toBe(3);
    const summary = await readFile(join(await lastRun(out), 'summary.csv'), 'utf8');
    expect(summary).toContain('fixture-failing-run,error,,,,,the fixed driver was told to fail,false');
    expect(summary).toContain('fixture-passing,requests');
  });

  it('2 for a bad scenario file, before anything runs or is written', async () => {
    const out = await outDir();
    const r = await cli('run', good('passing'), bad('bad-workload'), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-workload\.ts, field 'workload\.size'/);
    expect(existsSync(out)).toBe(false);
  });

  it('2 for an unknown option, a missing command, a bad seed, a missing file, a filter matching nothing', async () => {
    const unknown = await cli('run', '--quik');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/quik/);
    expect((await cli()).code).toBe(2);
    expect((await cli('run', good('passing'), '--seed', '1.5')).err).toMatch(/--seed.*integer/);
    expect((await cli('run', 'no/such/file.ts')).err).toMatch(/no\/such\/file\.ts: no such scenario/);
    const filtered = await cli('run', good('passing'), '--filter', 'nothing-like-this');
    expect(filtered.code).toBe(2);
    expect(filtered.err).toMatch(/no scenario name matches/);
  });

  it('--filter selects scenarios by substring or /regex/', async () => {
    const r = await cli('run', join(fixtures, 'scenarios'), '--filter', '/^fixture-(passing|advisory)$/', '--out', await outDir());
    expect(r.code).toBe(0);
    expect(r.out).toContain('fixture-passing');
    expect(r.out).toContain('fixture-advisory');
    expect(r.out).not.toContain('fixture-missing');
  });

  it('list shows scenarios and their targets', async () => {
    const r = await cli('list', good('passing'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('requests: reduced by >= 50% vs baseline (strict)');
  });

  it('the installed bin exits with the code (a real process)', async () => {
    const run = promisify(execFile);
    const error = await run(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'memopt.js'), 'run', '--bogus-option']).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(/Unknown argument: bogus-option \(see memopt --help\)/);
  });
});
