import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { STARTER_DIR, STARTER_FILES } from '../../src/cli/init.ts';
import { loadScenarios, findScenarioFiles } from '../../src/harness/loader.ts';

/** `memopt init [dir]`: the starter scenarios and CI workflow, written once, never over a user's file. */
async function init(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['init', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('memopt init', () => {
  it('writes the two starter scenarios and the CI workflow into the folder, byte for byte from templates/starter/', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'memopt-init-')), 'project');
    const r = await init([dir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((await readdir(join(dir, 'scenarios'))).sort()).toEqual(['own-index.ts', 'stack.ts']);
    for (const { template, target } of STARTER_FILES) {
      expect(await readFile(join(dir, target), 'utf8'), target).toBe(await readFile(join(STARTER_DIR, template), 'utf8'));
      expect(r.out).toContain(target);
    }
    const workflow = await readFile(join(dir, '.github/workflows/memopt.yml'), 'utf8');
    expect(workflow).toContain('npx memopt run --quick');
  });

  it('the starter scenarios load and validate (both forms): one own part through a factory, one by registry params', async () => {
    for (const quick of [false, true]) {
      const scenarios = await loadScenarios(await findScenarioFiles([STARTER_DIR], STARTER_DIR), { quick });
      const variants = Object.fromEntries(scenarios.map((s) => [s.definition.name, ['baseline', 'optimized'].map((side) => ('factory' in s.definition[side as 'baseline'] ? 'factory' : 'params'))]));
      expect(variants).toEqual({ 'own-index': ['params', 'factory'], 'stack-batch-embeddings': ['params', 'params'] });
    }
  });

  it('refuses to overwrite: exit 2 naming the existing file, and writes none of the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-init-'));
    await mkdir(join(dir, '.github', 'workflows'), { recursive: true });
    await writeFile(join(dir, '.github', 'workflows', 'memopt.yml'), 'mine\n');
    const r = await init([dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(join(dir, '.github', 'workflows', 'memopt.yml'));
    expect(r.err).toContain('never overwrites');
    expect(await readFile(join(dir, '.github', 'workflows', 'memopt.yml'), 'utf8')).toBe('mine\n');
    expect(await readdir(dir)).toEqual(['.github']); // no scenarios/ written

    // A second init over a complete starter is refused too (the first file it would write is named).
    const again = join(dir, 'again');
    expect((await init([again])).code).toBe(0);
    const second = await init([again]);
    expect(second.code).toBe(2);
    expect(second.err).toContain(join(again, 'scenarios', 'own-index.ts'));
  });
});
