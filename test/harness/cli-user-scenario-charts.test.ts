import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { lastRun } from '../support/run-folders.ts';

describe("a user's swept scenario, run and charted through the CLI", () => {
  it('memopt report draws the Pareto chart and the sweep charts for the user\'s scenario, in report.html', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-user-sweep-'));
    const file = join(import.meta.dirname, '..', 'fixtures', 'user-part', 'swept-index.ts');
    const out = join(dir, 'reports');
    let text = '';
    const io = { out: (t: string) => (text += t), err: (t: string) => (text += t) };
    expect(await main(['run', file, '--quick', '--endpoint-kind', 'in-process', '--out', out], io)).toBe(0);
    const run = await lastRun(out);
    expect(await main(['report', run], io)).toBe(0);
    const html = await readFile(join(run, 'report.html'), 'utf8');
    expect(html).not.toContain('No chart');
    expect(html).toContain('data-chart="user-swept-index-variants"');
    expect(html).toContain('data-chart="user-swept-index-sweep-recall_at_10"');
    // The caption names the front's members: the exact baseline is on it (the most recall), and at least one setting.
    expect(html).toMatch(/On the front: [^<]*flat baseline/);
    expect(html).toMatch(/On the front: [^<]*bits bits=1/);
  });
});
