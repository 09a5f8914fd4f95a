import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { writeReportFiles, type ReportFilesWriter } from '../../src/report/report-writer.ts';
import { lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'scenarios');

/** A disk that fills up after the run started: every later write of `failing` fails with ENOSPC, the rest succeed. */
function fullDiskFor(failing: string): { writeFiles: ReportFilesWriter; calls: number } {
  const state = { writeFiles: undefined as unknown as ReportFilesWriter, calls: 0 };
  state.writeFiles = async (dir, files) => {
    const first = state.calls++ === 0;
    const ok = files.filter((f) => first || basename(f.name) !== failing);
    const written = await writeReportFiles(dir, ok);
    if (ok.length === files.length) return written;
    const error = Object.assign(new Error(`ENOSPC: no space left on device, write '${join(dir, failing)}'`), { code: 'ENOSPC' });
    const { ReportWriteError } = await import('../../src/errors.ts');
    throw new ReportWriteError([{ path: join(dir, failing), message: error.message }], written);
  };
  return state;
}

describe('a report that cannot be written', () => {
  it('is named on stderr; every scenario still runs; run.json records the run failed with exit code 3', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-enospc-')), 'reports');
    const disk = fullDiskFor('summary.csv');
    let stdout = '';
    let stderr = '';
    const code = await main(['run', join(fixtures, 'passing.ts'), join(fixtures, 'missing-target.ts'), '--quick', '--out', out], {
      out: (t) => (stdout += t),
      err: (t) => (stderr += t),
      writeFiles: disk.writeFiles,
    });
    expect(code).toBe(3);
    expect(stderr).toMatch(/memopt: could not write \S+summary\.csv: ENOSPC: no space left on device/);
    expect(stderr).not.toMatch(/unexpected error|\n\s+at /);
    const dir = await lastRun(out);
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
    expect(run.status).toBe('failed');
    expect(run.exitCode).toBe(3);
    // Both scenarios ran and are recorded in what could be written.
    expect(run.scenarios.map((s: { name: string }) => s.name).sort()).toEqual(['fixture-missing', 'fixture-passing']);
    expect(stdout).toContain('fixture-missing');
    // A failed run is never named the latest complete one.
    expect(existsSync(join(out, 'latest'))).toBe(false);
  });
});
