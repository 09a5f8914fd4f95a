import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunRef, saveBaseline } from '../../src/runs/baselines.ts';
import { withDirLock } from '../../src/util/dir-lock.ts';

async function reportFiles(root: string): Promise<string[]> {
  await writeFile(join(root, 'run.json'), JSON.stringify({ status: 'complete', environment: { runId: 'r' } }));
  await writeFile(join(root, 'summary.csv'), 'scenario\n');
  return [join(root, 'run.json'), join(root, 'summary.csv')];
}

/** After any number of saves: `current` names a whole version, the only one left, saved by one of the savers. */
async function expectOneWholeCurrent(baselines: string, name: string, savers: ReadonlySet<string>) {
  const { dir } = await resolveRunRef(name, baselines);
  const entries = (await readdir(join(baselines, name))).sort();
  expect(entries).toEqual(['current', dir.split('/').pop()!].sort());
  expect((await readdir(dir)).sort()).toEqual(['baseline.json', 'run.json', 'summary.csv']);
  expect(savers.has(JSON.parse(await readFile(join(dir, 'baseline.json'), 'utf8')).runId)).toBe(true);
}

function runChild(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'fixtures', 'baselines', 'save-many.mjs'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('concurrent saves of one baseline name', () => {
  it('40 saves at once in one process: current names one whole version, the only one left', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-baseline-race-'));
    const baselines = join(root, 'baselines');
    const files = await reportFiles(root);
    const ids = Array.from({ length: 40 }, (_, i) => `run-${i}`);
    const saved = await Promise.all(ids.map((runId) => saveBaseline({ name: 'main', baselinesDir: baselines, files, run: { runId, gitCommit: null } })));
    expect(saved).toHaveLength(40);
    await expectOneWholeCurrent(baselines, 'main', new Set(ids));
  });

  it('4 processes saving 5 times each at once: current names one whole version', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-baseline-race-'));
    const baselines = join(root, 'baselines');
    const files = (await reportFiles(root)).join(',');
    const codes = await Promise.all(['a', 'b', 'c', 'd'].map((tag) => runChild([baselines, 'main', files, tag, '5'])));
    expect(codes).toEqual([0, 0, 0, 0]);
    await expectOneWholeCurrent(baselines, 'main', new Set(['a', 'b', 'c', 'd'].flatMap((tag) => Array.from({ length: 5 }, (_, i) => `${tag}-${i}`))));
  }, 60_000);

  it('a lock left by a process killed mid-save (gone on this host) is broken; one held by a live process is waited for, then named', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-baseline-race-'));
    const baselines = join(root, 'baselines');
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    await mkdir(join(baselines, 'main', '.lock'), { recursive: true });
    await writeFile(join(baselines, 'main', '.lock', 'owner.json'), JSON.stringify({ pid: deadPid, hostname: hostname() }));
    await saveBaseline({ name: 'main', baselinesDir: baselines, files: await reportFiles(root), run: { runId: 'after-crash', gitCommit: null } });
    await expectOneWholeCurrent(baselines, 'main', new Set(['after-crash']));

    const live = join(root, 'live.lock');
    await mkdir(live);
    await writeFile(join(live, 'owner.json'), JSON.stringify({ pid: process.pid, hostname: hostname() }));
    await expect(withDirLock(live, async () => 'never', { timeoutMs: 30 })).rejects.toThrow(`${live} has been held by process ${process.pid} on ${hostname()}`);
  });
});
