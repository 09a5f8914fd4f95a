import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDir, tempPathBeside, writeFileAtomic } from '../../src/util/atomic-write.ts';

async function folder() {
  return mkdtemp(join(tmpdir(), 'memopt-atomic-'));
}

describe('writeFileAtomic', () => {
  it('replaces the target whole and leaves no temporary file behind', async () => {
    const dir = await folder();
    const file = join(dir, 'summary.csv');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new contents');
    expect(await readFile(file, 'utf8')).toBe('new contents');
    expect(await readdir(dir)).toEqual(['summary.csv']);
  });

  it('names temporary files unpredictably, beside the target', () => {
    const a = tempPathBeside('/x/reports/run.json');
    const b = tempPathBeside('/x/reports/run.json');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\/x\/reports\/\.run\.json\.[0-9a-f]{16}\.tmp$/);
  });

  it('never writes through a symlink planted in the folder, and fails when the target is a folder', async () => {
    const dir = await folder();
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'keep me');
    // Whatever name a temporary file gets, a symlink at it would make O_EXCL fail rather than be followed; a
    // symlinked target itself is replaced (the link), never written through.
    const target = join(dir, 'out.csv');
    await symlink(victim, target);
    await writeFileAtomic(target, 'new');
    expect(await readFile(victim, 'utf8')).toBe('keep me');
    expect(await readFile(target, 'utf8')).toBe('new');
    await ensureDir(join(dir, 'sub'));
    await expect(writeFileAtomic(join(dir, 'sub'), 'x')).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('creates missing folders, and fails (does not hang) under /proc', async () => {
    const dir = await folder();
    await writeFileAtomic(join(dir, 'a', 'b', 'c.txt'), 'deep');
    expect(await readFile(join(dir, 'a', 'b', 'c.txt'), 'utf8')).toBe('deep');
    await expect(writeFileAtomic('/proc/memopt-no-such/x.csv', 'x')).rejects.toThrow();
    await expect(ensureDir(join(dir, 'a', 'b', 'c.txt', 'd'))).rejects.toThrow(/ENOTDIR/);
  });
});
