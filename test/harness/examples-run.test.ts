import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const root = join(import.meta.dirname, '..', '..');

describe('examples/', () => {
  it('memopt run examples --quick passes (every example meets its strict targets)', { timeout: 600_000 }, async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-examples-')), 'reports');
    let text = '';
    const code = await main(['run', join(root, 'examples'), '--quick', '--out', out], { out: (t) => (text += t), err: () => {} });
    expect(text).toMatch(/example-own-embedder .*PASSED/);
    expect(text).toMatch(/example-own-index .*PASSED/);
    expect(code).toBe(0);
  });

  it('every scenario and example file imports only from memopt', async () => {
    for (const folder of ['scenarios', 'examples']) {
      for (const name of (await readdir(join(root, folder))).filter((f) => f.endsWith('.ts'))) {
        const source = await readFile(join(root, folder, name), 'utf8');
        const from = [...source.matchAll(/^\s*import\b[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
        expect(from.length, `${folder}/${name} imports something`).toBeGreaterThan(0);
        expect(from.filter((f) => f !== 'memopt'), `${folder}/${name}`).toEqual([]);
      }
    }
  });
});
