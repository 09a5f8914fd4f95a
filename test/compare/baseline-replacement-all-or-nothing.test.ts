import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunRef, saveBaseline } from '../../src/runs/baselines.ts';

async function reportFiles(root: string, runId: string): Promise<string[]> {
  const dir = join(root, `report-${runId}`);
  await mkdir(dir);
  await writeFile(join(dir, 'run.json'), JSON.stringify({ status: 'complete', environment: { runId } }));
  await writeFile(join(dir, 'summary.csv'), `scenario\n${runId}\n`);
  return [join(dir, 'run.json'), join(dir, 'summary.csv')];
}

const runIdOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')).environment.runId;

describe('baseline replacement is all-or-nothing', () => {
  it('the current pointer names one whole version; older versions are removed after it moves', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-baseline-'));
    const baselines = join(root, 'baselines');
    await saveBaseline({ name: 'main', baselinesDir: baselines, files: await reportFiles(root, 'one'), run: { runId: 'one', gitCommit: null } });
    const second = await saveBaseline({ name: 'main', baselinesDir: baselines, files: await reportFiles(root, 'two'), run: { runId: 'two', gitCommit: null } });
    const { dir } = await resolveRunRef('main', baselines);
    expect(dir).toBe(second.dir);
    expect(await runIdOf(dir)).toBe('two');
    expect((await readdir(join(baselines, 'main'))).sort()).toEqual(['current', dir.split('/').pop()!].sort());
    expect(second.files).toEqual(['baseline.json', 'run.json', 'summary.csv']);
  });

  it('a save interrupted before its pointer moved leaves the old baseline current and whole', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-baseline-'));
    const baselines = join(root, 'baselines');
    const first = await saveBaseline({ name: 'main', baselinesDir: baselines, files: await reportFiles(root, 'one'), run: { runId: 'one', gitCommit: null } });
    // What a crash mid-save leaves: a half-written version folder the pointer does not name.
    const partial = join(baselines, 'main', 'v20990101T000000000Z-deadbeef');
    await mkdir(partial);
    await writeFile(join(partial, 'run.json'), '{"status":');
    const { dir } = await resolveRunRef('main', baselines);
    expect(dir).toBe(first.dir);
    expect(await runIdOf(dir)).toBe('one');
    // The next save clears the leftover.
    const next = await saveBaseline({ name: 'main', baselinesDir: baselines, files: await reportFiles(root, 'two'), run: { runId: 'two', gitCommit: null } });
    expect((await readdir(join(baselines, 'main'))).sort()).toEqual(['current', next.dir.split('/').pop()!].sort());
  });

  it('a baseline in the layout before versions (run.json in the baseline folder) is still read, and replaced whole', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-baseline-'));
    const baselines = join(root, 'baselines');
    await mkdir(join(baselines, 'old'), { recursive: true });
    await writeFile(join(baselines, 'old', 'run.json'), JSON.stringify({ environment: { runId: 'legacy' } }));
    expect(await runIdOf((await resolveRunRef('old', baselines)).dir)).toBe('legacy');
    const saved = await saveBaseline({ name: 'old', baselinesDir: baselines, files: await reportFiles(root, 'new'), run: { runId: 'new', gitCommit: null } });
    expect(await runIdOf((await resolveRunRef('old', baselines)).dir)).toBe('new');
    expect((await readdir(join(baselines, 'old'))).sort()).toEqual(['current', saved.dir.split('/').pop()!].sort());
  });
});
