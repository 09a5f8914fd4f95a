import { lstat, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { resolveRunFolder } from '../../src/runs/run-folder.ts';
import { lastRun } from '../support/run-folders.ts';

const passing = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'passing.ts');

async function cli(...argv: string[]) {
  let out = '';
  const code = await main(argv, { out: (t) => (out += t), err: () => {} });
  return { code, out };
}

describe('reports/latest', () => {
  it('is a link to the last complete run folder: `ls reports/latest/` lists its files, and every command still takes it', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-latest-')), 'reports');
    expect((await cli('run', passing, '--out', out, '--quick', '--endpoint-kind', 'in-process')).code).toBe(0);
    const run = await lastRun(out);
    const latest = join(out, 'latest');
    expect((await lstat(latest)).isSymbolicLink()).toBe(true);
    expect(await realpath(latest)).toBe(await realpath(run));
    expect(await readdir(latest)).toEqual(expect.arrayContaining(['run.json', 'summary.csv']));
    // The root, the link itself: both name the run folder by its real path.
    expect(await resolveRunFolder(out, 'x')).toBe(await realpath(run));
    expect(await resolveRunFolder(latest, 'x')).toBe(await realpath(run));
    // A second complete run moves the link (replaced, not written through into the first run's folder).
    expect((await cli('run', passing, '--out', out, '--quick', '--endpoint-kind', 'in-process')).code).toBe(0);
    const second = await lastRun(out);
    expect(second).not.toBe(run);
    expect(await realpath(latest)).toBe(await realpath(second));
    expect((await readdir(join(out, 'runs'))).length).toBe(2);
    expect((await readdir(out)).filter((name) => name.startsWith('.'))).toEqual([]); // no temporary link left
  });

  it('an older reports root whose latest is a pointer file still resolves', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-latest-old-')), 'reports');
    expect((await cli('run', passing, '--out', out, '--quick', '--endpoint-kind', 'in-process')).code).toBe(0);
    const run = await lastRun(out);
    await rm(join(out, 'latest'));
    await writeFile(join(out, 'latest'), `${relative(out, run)}\n`);
    expect(await resolveRunFolder(out, 'x')).toBe(run);
  });
});
