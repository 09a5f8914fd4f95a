import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as cli } from '../../src/cli/main.ts';
import { loadDurations, planShards } from '../../src/harness/shard.ts';
import { main as durationsScript } from '../../scripts/durations.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const suite = join(fixtures, 'scenarios');
const quiet = { out: () => {}, err: () => {} };

describe('scripts/durations.ts writes the duration file from a reference run', () => {
  it('every scenario of a complete run with its seconds, readable by run --shard', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-durations-script-'));
    expect(await cli(['run', suite, '--filter', '/^fixture-(passing|advisory|missing)$/', '--out', join(root, 'reports')], quiet)).toBe(1);
    const file = join(root, 'durations.json');
    expect(await durationsScript(['--run', join(root, 'reports'), '--out', file])).toBe(0);
    const run = JSON.parse(await readFile(join(root, 'reports', 'latest', 'run.json'), 'utf8'));
    const durations = await loadDurations(file);
    expect([...durations.seconds.keys()]).toEqual(['fixture-advisory', 'fixture-missing', 'fixture-passing']);
    for (const s of run.scenarios) expect(durations.seconds.get(s.name)).toBe(Math.round(s.durationMs / 100) / 10);
    expect(JSON.parse(await readFile(file, 'utf8')).source).toContain(run.environment.runId);
    expect(planShards(['fixture-advisory', 'fixture-missing', 'fixture-passing'], 2, durations).balance.by).toBe('durations');
  });

  it('refuses a run that did not complete (its durations would be partial)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-durations-script-'));
    expect(await cli(['run', join(suite, 'failing-run.ts'), '--out', join(root, 'reports')], quiet)).toBe(3);
    const last = join(root, 'reports', 'last');
    await expect(durationsScript(['--run', last, '--out', join(root, 'durations.json')])).rejects.toThrow(/is failed \(exit code 3\), not complete/);
  });
});
