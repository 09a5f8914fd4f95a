import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadDurations, planShards, type ScenarioDurations } from '../../src/harness/shard.ts';
import { fixedDriverRuns } from '../fixtures/fixed-driver.ts';
import { lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const suite = join(fixtures, 'scenarios');
const filter = '/^fixture-(passing|advisory|missing)$/';
const durationsFile = join(fixtures, 'shards', 'durations.json');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const durations = (seconds: Record<string, number>): ScenarioDurations => ({ file: 'd.json', sha256: 'x', seconds: new Map(Object.entries(seconds)) });

describe('shards balanced by a committed duration file', () => {
  it('assigns longest first to the least loaded shard, ties by name and lowest shard', () => {
    const plan = planShards(['a', 'b', 'c', 'd', 'e'], 2, durations({ a: 10, b: 7, c: 5, d: 5, e: 3 }));
    // a(10)->1 (10); b(7)->2 (7); c(5, before d by name)->2 (12); d(5)->1 (15); e(3)->2 (12 < 15).
    expect(plan.shards).toEqual([['a', 'd'], ['b', 'c', 'e']]);
    expect(plan.balance).toEqual({ by: 'durations', file: 'd.json', sha256: 'x', estimated: [] });
    // Equal durations: ties broken by name, then the lowest shard index.
    expect(planShards(['y', 'x', 'z'], 2, durations({ x: 1, y: 1, z: 1 })).shards).toEqual([['x', 'z'], ['y']]);
  });

  it('gives the same split whatever order the names come in', () => {
    const d = durations({ a: 4, b: 9, c: 2, d: 6, e: 6, f: 1 });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const expected = planShards(names, 3, d).shards;
    expect(planShards([...names].reverse(), 3, d).shards).toEqual(expected);
    expect(planShards(['d', 'f', 'a', 'c', 'e', 'b'], 3, d).shards).toEqual(expected);
    expect(expected.flat().sort()).toEqual(names);
  });

  it('counts a scenario the file does not list as the median of those it does, and says so', () => {
    const plan = planShards(['a', 'b', 'c', 'new'], 2, durations({ a: 9, b: 4, c: 1 }));
    expect(plan.balance).toMatchObject({ by: 'durations', estimated: ['new'] });
    // a(9)->1 (9), b(4)->2 (4), new(4, the median)->2 (8), c(1)->2 (8 < 9).
    expect(plan.shards).toEqual([['a'], ['b', 'c', 'new']]);
  });

  it('deals by count when no selected scenario is in the file, or there is no file', () => {
    expect(planShards(['c', 'a', 'b'], 2, durations({ other: 5 }))).toEqual({ shards: [['a', 'c'], ['b']], balance: { by: 'count' } });
    expect(planShards(['c', 'a', 'b'], 2).shards).toEqual([['a', 'c'], ['b']]);
  });

  it('a bad duration file is bad input naming the file and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-durations-'));
    const bad = join(dir, 'durations.json');
    await writeFile(bad, JSON.stringify({ seconds: { a: -1 } }));
    await expect(loadDurations(bad)).rejects.toThrow(/durations\.json, field 'seconds\.a'/);
    await writeFile(bad, '{ not json');
    await expect(loadDurations(bad)).rejects.toThrow(/not valid JSON/);
    await expect(loadDurations(join(dir, 'absent.json'))).rejects.toThrow(/cannot read the duration file/);
  });

  it('run --shard --durations FILE runs the balanced share and records the file and its hash', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-durations-')), 'reports');
    const ran: string[][] = [];
    for (const shard of ['1/2', '2/2']) {
      const r = await cli('run', suite, '--filter', filter, '--shard', shard, '--durations', durationsFile, '--out', out);
      expect([0, 1]).toContain(r.code);
      const run = JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8'));
      expect(run.environment.shard.balance).toMatchObject({ by: 'durations', file: durationsFile, estimated: [] });
      expect(run.environment.shard.balance.sha256).toMatch(/^[0-9a-f]{64}$/);
      ran.push(run.scenarios.map((s: { name: string }) => s.name).sort());
    }
    // missing (30 s) alone on shard 1; advisory (12.5) and passing (10) on shard 2. By count it would be 2 + 1 the other way.
    expect(ran).toEqual([['fixture-missing'], ['fixture-advisory', 'fixture-passing']]);
  });

  it('a bad --durations file, or --durations without --shard, is refused before anything runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-durations-'));
    const bad = join(dir, 'durations.json');
    await writeFile(bad, JSON.stringify({ seconds: { 'fixture-passing': 'long' } }));
    const before = fixedDriverRuns.length;
    const r = await cli('run', suite, '--filter', filter, '--shard', '1/2', '--durations', bad, '--out', join(dir, 'reports'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}, field 'seconds.fixture-passing'`);
    const alone = await cli('run', suite, '--filter', filter, '--durations', durationsFile, '--out', join(dir, 'reports'));
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/field '--durations': balances shards/);
    expect(fixedDriverRuns.length).toBe(before);
  });
});
