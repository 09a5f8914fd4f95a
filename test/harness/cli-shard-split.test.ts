import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { shardNames } from '../../src/harness/shard.ts';
import { fixedDriverRuns } from '../fixtures/fixed-driver.ts';
import { lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const suite = join(fixtures, 'scenarios');
const filter = '/^fixture-(passing|advisory|missing)$/';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('memopt run --shard i/n', () => {
  it('deals the sorted names round-robin: disjoint, complete, the same every time', () => {
    const names = ['c', 'a', 'e', 'b', 'd'];
    const shards = [1, 2, 3].map((index) => [...shardNames(names, { index, count: 3 })]);
    expect(shards).toEqual([['a', 'd'], ['b', 'e'], ['c']]);
    expect([...shardNames([...names].reverse(), { index: 1, count: 3 })]).toEqual(['a', 'd']);
  });

  it('shards 1/2 and 2/2 of a three-scenario suite run each scenario exactly once and record the split', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-shard-')), 'reports');
    const ran: string[][] = [];
    for (const shard of ['1/2', '2/2']) {
      const r = await cli('run', suite, '--filter', filter, '--shard', shard, '--durations', 'none', '--out', out);
      expect([0, 1]).toContain(r.code);
      const run = JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8'));
      expect(run.status).toBe('complete');
      expect(run.environment.shard).toMatchObject({ index: Number(shard[0]), count: 2, scenarios: ['fixture-advisory', 'fixture-missing', 'fixture-passing'], balance: { by: 'count' } });
      ran.push(run.scenarios.map((s: { name: string }) => s.name));
    }
    expect(ran).toEqual([['fixture-advisory', 'fixture-passing'], ['fixture-missing']]);
  });

  it('a bad --shard is bad input (exit 2) before anything runs', async () => {
    const before = fixedDriverRuns.length;
    for (const shard of ['3/2', '0/2', '1/0', 'half']) {
      const r = await cli('run', suite, '--filter', filter, '--shard', shard, '--out', join(tmpdir(), 'memopt-shard-never'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/field '--shard': expected i\/n/);
    }
    expect(fixedDriverRuns.length).toBe(before);
  });
});
