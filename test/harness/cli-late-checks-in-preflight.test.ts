/**
 * Checks that used to come after earlier scenarios had run (or after the whole run) are made in the pre-flight:
 * exit 2, the file and field named, every bad file listed, no scenario run and no run folder created.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { fixedDriverRuns } from '../fixtures/fixed-driver.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const passing = join(fixtures, 'scenarios', 'passing.ts');
const bad = (name: string) => join(fixtures, 'bad-input', `${name}.ts`);

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function expectRefused(argv: string[], out: string, ...messages: RegExp[]) {
  const before = fixedDriverRuns.length;
  const r = await cli(...argv);
  expect(r.code).toBe(2);
  for (const message of messages) expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(fixedDriverRuns.length).toBe(before);
  expect(existsSync(join(out, 'runs'))).toBe(false);
  return r;
}

describe('late checks made before measuring', () => {
  let root: string;
  let out: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'memopt-late-checks-'));
    out = join(root, 'reports');
  });

  it('a vector holdOut of every row, and a queries file of another width, after a valid scenario: both listed', async () => {
    const r = await expectRefused(
      ['run', passing, bad('holdout-all-rows'), bad('queries-other-width'), '--out', out],
      out,
      /2 problems/,
      /holdout-all-rows\.ts, field 'workload\.vectors\.holdOut': asks for 11 records but .*vectors-10x4\.npy has 10 \(holdOut \+ 1/,
      /queries-other-width\.ts, field 'workload\.vectors\.queries': .*vectors-5x3\.npy holds 3-dimensional vectors but .*vectors-10x4\.npy \(workload\.vectors\.base\) holds 4-dimensional ones/,
    );
    expect(r.err).not.toMatch(/in the --quick form/); // the same problem in both forms is listed once
  });

  it('every bad scenario file of a folder is listed, not only the first', async () => {
    const folder = join(fixtures, 'bad-scenarios');
    await expectRefused(['run', folder, '--out', out], out, /2 problems/, /bad-workload\.ts/, /syntax-error\.ts/);
  });

  it('a --baselines-dir that is a file, with --save-baseline: refused before the run, not after it', async () => {
    const file = join(root, 'baselines.txt');
    await writeFile(file, 'keep');
    await expectRefused(['run', passing, '--out', out, '--save-baseline', 'main', '--baselines-dir', file], out, /baselines\.txt, field '--baselines-dir': is a file, expected a folder/);
  });

  it('an --out name over 255 bytes', async () => {
    const long = join(root, 'r'.repeat(300));
    await expectRefused(['run', passing, '--out', long], long, /field '--out': a name in the path is 300 bytes long .*at most 255/);
  });

  it('--seed and --repetitions without a value, and a --seed that is not a number, say what was expected', async () => {
    await expectRefused(['run', passing, '--out', out, '--seed'], out, /field '--seed': expected an integer from 0 to 4294967295, found no value/);
    await expectRefused(['run', passing, '--seed', '--out', out], out, /field '--seed': expected an integer from 0 to 4294967295, found no value/);
    await expectRefused(['run', passing, '--out', out, '--repetitions'], out, /field '--repetitions': expected an integer from 1 to 50, found no value/);
    await expectRefused(['run', passing, '--out', out, '--seed', 'abc'], out, /field '--seed': expected an integer from 0 to 4294967295, found 'abc'/);
  });

  it("a dataset path that does not exist names the absolute path it was resolved to (the scenario file's folder)", async () => {
    const tried = resolve(dirname(bad('missing-dataset')), 'datasets/no-such-memories.jsonl');
    const r = await expectRefused(['run', bad('missing-dataset'), '--out', out], out, /file not found/);
    expect(r.err).toContain(`${tried}: cannot open the file`);
    expect(r.err).toContain("as workload.dataset; a scenario's relative paths are read from its own folder");
  });
});
