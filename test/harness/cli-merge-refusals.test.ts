import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
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

let root: string;
let shard1: string;
let shard2: string;
let counter = 0;

/** Runs one shard of the suite into a fresh reports root and returns its run folder. */
async function runShard(shard: string, ...extra: string[]): Promise<string> {
  const out = join(root, `run-${++counter}`);
  const r = await cli('run', suite, '--filter', filter, '--shard', shard, '--durations', 'none', '--out', out, ...extra);
  expect([0, 1]).toContain(r.code);
  return lastRun(out);
}

/** A copy of a shard's run folder with run.json edited (as another machine or an older checkout would write it). */
async function edited(dir: string, edit: (run: any) => void): Promise<string> {
  const copy = join(root, `edited-${++counter}`);
  await cp(dir, copy, { recursive: true });
  const run = JSON.parse(await readFile(join(copy, 'run.json'), 'utf8'));
  edit(run);
  await writeFile(join(copy, 'run.json'), JSON.stringify(run));
  return copy;
}

/** Merges the folders and expects a refusal (exit 2) naming `named`'s run.json, with nothing written. */
async function refused(dirs: string[], named: string | null, message: RegExp) {
  const out = join(root, `merged-${++counter}`);
  const r = await cli('merge', ...dirs, '--out', out);
  expect(r.code).toBe(2);
  if (named) expect(r.err).toContain(join(named, 'run.json'));
  expect(r.err).toMatch(message);
  expect(existsSync(out)).toBe(false);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'memopt-merge-refusals-'));
  shard1 = await runShard('1/2');
  shard2 = await runShard('2/2');
});

describe('memopt merge refuses shards that do not make one run (exit 2, naming the shard)', () => {
  it('merges the matching pair (the control case)', async () => {
    const r = await cli('merge', shard1, shard2, '--out', join(root, 'control'));
    expect(r.code).toBe(1);
  });

  it('different code: git commit, uncommitted changes, package versions', async () => {
    const commit = await edited(shard2, (run) => (run.environment.gitCommit = '0'.repeat(40)));
    await refused([shard1, commit], commit, /the code \(git commit\) differs/);
    const dirty = await edited(shard2, (run) => (run.environment.gitDirty = !run.environment.gitDirty));
    await refused([shard1, dirty], dirty, /the code \(uncommitted changes\) differs/);
    const packages = await edited(shard2, (run) => (run.environment.packages.openai = '0.0.1'));
    await refused([shard1, packages], packages, /the code \(package versions\) differs/);
  });

  it('a different seed', async () => {
    const seeded = await runShard('2/2', '--seed', '7');
    await refused([shard1, seeded], seeded, /field 'environment.seed': the seed differs/);
  });

  it('another quick mode', async () => {
    const quick = await runShard('2/2', '--quick');
    await refused([shard1, quick], quick, /field 'environment.quick': quick mode differs/);
  });

  it('another scenario set', async () => {
    const out = join(root, 'other-set');
    await cli('run', suite, '--filter', '/^fixture-(passing|advisory|missing|failing-run)$/', '--shard', '2/2', '--durations', 'none', '--out', out);
    const other = await lastRun(out);
    await refused([shard1, other], other, /field 'environment.shard.scenarios': the scenario set differs/);
  });

  it('another shard count n', async () => {
    const ofThree = await runShard('2/3');
    await refused([shard1, ofThree], ofThree, /field 'environment.shard.count': the shard count n differs/);
  });

  it('another balance (a duration file on one shard only)', async () => {
    const out = join(root, 'by-durations');
    await cli('run', suite, '--filter', filter, '--shard', '2/2', '--durations', join(fixtures, 'shards', 'durations.json'), '--out', out);
    const balanced = await lastRun(out);
    await refused([shard1, balanced], balanced, /the balance \(duration file\) differs/);
  });

  it('different input hashes', async () => {
    const inputs = await edited(shard2, (run) => (run.environment.shard.inputs = [{ scenario: 'fixture-passing', field: 'workload.dataset', path: 'd.jsonl', sha256: 'f'.repeat(64) }]));
    await refused([shard1, inputs], inputs, /field 'environment.shard.inputs': the input hashes differ/);
  });

  it("a scenario's seed edited in one shard: in its scenario file (the shards' seeds differ) or in its result", async () => {
    const file = await edited(shard2, (run) => (run.environment.shard.seeds['fixture-passing'] += 1));
    await refused([shard1, file], file, /field 'environment.shard.seeds': scenario 'fixture-passing' has seed \d+ here, \d+ in .*run\.json \(its scenario file differs between the shards\)/);
    const result = await edited(shard2, (run) => (run.scenarios[0].seed += 1));
    const name = JSON.parse(await readFile(join(result, 'run.json'), 'utf8')).scenarios[0].name;
    await refused([shard1, result], result, new RegExp(`field 'scenarios\\.0\\.seed': scenario '${name}' ran with seed \\d+, but the shards selected it with seed \\d+`));
  });

  it('another mock model version', async () => {
    const mock = await edited(shard2, (run) => (run.environment.mockModelVersion = 'mock-embedding-v0'));
    await refused([shard1, mock], mock, /the mock model version differs/);
  });

  it('the same shard twice, and a missing shard', async () => {
    await refused([shard1, shard1], shard1, /shard 1\/2 is given twice/);
    const again = await runShard('1/2');
    await refused([shard1, again, shard2], again, /shard 1\/2 is given twice \(also .*run\.json\)/);
    await refused([shard1], null, /field 'merge': shard 2\/2 missing \(given: 1\/2\)/);
  });

  it('an incomplete shard run: interrupted, still running, or failed before its share ended', async () => {
    const interrupted = await edited(shard2, (run) => Object.assign(run, { status: 'interrupted', exitCode: 130 }));
    await refused([shard1, interrupted], interrupted, /field 'status': shard 2\/2 is interrupted \(exit code 130\), not complete/);
    const running = await edited(shard2, (run) => Object.assign(run, { status: 'running', exitCode: null }));
    await refused([shard1, running], running, /shard 2\/2 is running, not complete/);
    const cut = await edited(shard1, (run) => Object.assign(run, { status: 'failed', exitCode: 3, scenarios: run.scenarios.slice(0, 1) }));
    await refused([cut, shard2], cut, /field 'scenarios': shard 1\/2 is incomplete/);
  });

  it('a run that is not a shard', async () => {
    const out = join(root, 'unsharded');
    await cli('run', suite, '--filter', filter, '--out', out);
    const whole = await lastRun(out);
    await refused([whole, shard2], whole, /field 'environment.shard': not a shard run/);
  });

  it('a reports root stands for its last run, so an unfinished shard there is named, not skipped', async () => {
    const shardRoot = join(root, 'root-with-interrupted');
    await cp(join(shard2, '..', '..'), shardRoot, { recursive: true });
    const folder = await lastRun(shardRoot);
    const run = JSON.parse(await readFile(join(folder, 'run.json'), 'utf8'));
    await writeFile(join(folder, 'run.json'), JSON.stringify({ ...run, status: 'interrupted', exitCode: 143 }));
    await refused([shard1, shardRoot], folder, /shard 2\/2 is interrupted/);
  });
});
