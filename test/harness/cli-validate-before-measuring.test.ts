import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * Every bad input is found before the first scenario starts: exit 2, a message naming the file, field or line, no
 * stack trace, no scenario prepared (the fixed driver logs each prepare) and no run folder created.
 */
async function expectRefused(argv: string[], message: RegExp, out?: string) {
  const before = fixedDriverRuns.length;
  const r = await cli(...argv);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err).not.toContain('unexpected error');
  expect(fixedDriverRuns.length).toBe(before);
  if (out) expect(existsSync(join(out, 'runs'))).toBe(false);
  return r;
}

describe('memopt run checks everything before measuring', () => {
  let root: string;
  let out: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'memopt-validate-'));
    out = join(root, 'reports');
  });

  it('an existing file as --out', async () => {
    const file = join(root, 'notes.txt');
    await writeFile(file, 'keep');
    await expectRefused(['run', passing, '--out', file], /notes\.txt, field '--out': is a file, expected a folder/);
  });

  it('an --out under a file, and an --out memopt cannot create files in (/proc)', async () => {
    const file = join(root, 'notes.txt');
    await writeFile(file, 'keep');
    await expectRefused(['run', passing, '--out', join(file, 'reports')], /field '--out': .*notes\.txt is a file/);
    await expectRefused(['run', passing, '--out', '/proc/memopt-x'], /\/proc\/memopt-x, field '--out': cannot create files in \/proc/);
  });

  it('--markdown naming a folder, or under /proc', async () => {
    const folder = join(root, 'md');
    await mkdir(folder);
    await expectRefused(['run', passing, '--out', out, '--markdown', folder], /md, field '--markdown': is a folder, expected a file name/, out);
    await expectRefused(['run', passing, '--out', out, '--markdown', '/proc/memopt-x/summary.md'], /field '--markdown': cannot create files in \/proc/, out);
  });

  it('--seed out of range (1e300, negative)', async () => {
    await expectRefused(['run', passing, '--out', out, '--seed', '1e300'], /field '--seed': expected an integer from 0 to 4294967295, found 1e\+300/, out);
    await expectRefused(['run', passing, '--out', out, '--seed', '-1'], /--seed/, out);
  });

  it('a misspelt key inside a target, named with its file and field', async () => {
    await expectRefused(['run', passing, bad('target-typo'), '--out', out], /target-typo\.ts, field 'targets\.0\.atleastpct': Unrecognized key/, out);
  });

  it('a driver object without its schemas', async () => {
    await expectRefused(['run', passing, bad('no-schemas'), '--out', out], /no-schemas\.ts, field 'driver\.workloadSchema': expected a zod schema/, out);
  });

  it('maxQueueSize below maxBatchSize (a cross-field rule of the batch embedder)', async () => {
    await expectRefused(['run', passing, bad('queue-below-batch'), '--out', out], /queue-below-batch\.ts, field 'optimized\.params\.maxQueueSize': expected maxQueueSize >= maxBatchSize/, out);
  });

  it('a broken dataset line or trace line, with file and line, after other valid scenarios', async () => {
    await expectRefused(['run', passing, bad('broken-dataset'), '--out', out], /broken-dataset\.jsonl:3, field 'text'.*read by scenario 'bad-broken-dataset'.*workload\.dataset/, out);
    await expectRefused(['run', passing, bad('broken-trace'), '--out', out], /broken-trace\.jsonl:2.*invalid JSON.*workload\.trace/, out);
  });

  it('a dataset too short for the --quick form is refused by a full run too', async () => {
    await expectRefused(['run', passing, bad('too-few-records'), '--out', out], /too-few-records\.ts, field 'workload\.size': asks for 3 records but .*two-records\.jsonl has 2 \(in the --quick form\)/, out);
  });

  it('a bad quick override and a bad sweep quickValue are caught by list and by a full run, not only by --quick', async () => {
    for (const command of [['list'], ['run', '--out', out]]) {
      await expectRefused([...command, bad('quick-override')], /quick-override\.ts, field 'workload \(with quick\)\.size'/);
      await expectRefused([...command, bad('quick-values')], /quick-values\.ts, field 'sweep\.quickValues\.1'/);
    }
  });

  it('a valid run still runs (the checks refuse nothing good), reading and hashing its declared inputs', async () => {
    const before = fixedDriverRuns.length;
    const r = await cli('run', passing, '--out', out, '--quick');
    expect(r.code).toBe(0);
    expect(fixedDriverRuns.length).toBe(before + 1);
  });
});
