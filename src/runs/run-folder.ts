import { lstat, mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import type { EnvironmentInfo, RunReport } from '../harness/types.ts';
import { ensureDir } from '../util/atomic-write.ts';
import { LAST_POINTER, LATEST_POINTER } from './files.ts';

/**
 * Run folders. Each run writes into a folder of its own, `<root>/runs/<UTC time>-<run id prefix>/`, so nothing of an
 * earlier run is mixed into it (a --filter or --no-sweep run has no old sweep chart or comparison). Beside `runs/`
 * the root keeps two pointer files: `latest` names the last complete run, `last` the run started last, whatever
 * became of it. A folder given to `report` or `compare` may be a run folder, a reports root (its latest complete
 * run) or a pointer file. `reports/reference/` is not a root and is never touched by a run.
 */
export async function createRunFolder(root: string, environment: EnvironmentInfo): Promise<string> {
  const runs = join(resolve(root), 'runs');
  await ensureDir(runs);
  const stamp = environment.startedAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  const dir = join(runs, `${stamp}-${environment.runId.slice(0, 8)}`);
  // Not recursive: an existing folder of that name is an error, never reused.
  await mkdir(dir);
  return dir;
}

/** The run folder a path names: a folder with run.json, a reports root (its `latest`), or a pointer file. */
export async function resolveRunFolder(path: string, field: string): Promise<string> {
  const full = resolve(path);
  const info = await stat(full).catch(() => null);
  if (!info) throw new UsageError({ file: path, field }, 'no such run folder, reports root or pointer file');
  if (info.isFile()) return followPointer(full, field);
  // A run folder, or a link to one (`reports/latest`): named by its real path, as a pointer file's target is.
  if (await isFile(join(full, 'run.json'))) return (await lstat(full)).isSymbolicLink() ? realpath(full) : full;
  if (await exists(join(full, LATEST_POINTER))) return resolveRunFolder(join(full, LATEST_POINTER), field);
  const hint = (await isFile(join(full, LAST_POINTER)))
    ? `no run here has completed yet (the last one is named in ${join(path, LAST_POINTER)})`
    : 'neither a run folder (no run.json) nor a reports root (no latest pointer)';
  throw new UsageError({ file: path, field }, hint);
}

async function followPointer(file: string, field: string): Promise<string> {
  const target = (await readFile(file, 'utf8')).trim();
  const dir = resolve(dirname(file), target);
  if (!target || !(await isFile(join(dir, 'run.json')))) {
    throw new UsageError({ file, field }, `points to '${target}', which is not a run folder with a run.json`);
  }
  return dir;
}

/**
 * Refuses a run that did not complete (interrupted, failed, still running or killed, or from before runs recorded
 * their status), unless the user allows it: its results are partial, and a comparison or baseline would pass them
 * off as whole.
 */
export function checkComplete(report: RunReport, file: string, options: { allowIncomplete: boolean; flag?: string }): void {
  if (report.status === 'complete' || options.allowIncomplete) return;
  const flag = options.flag ?? '--allow-incomplete';
  const state =
    report.status === undefined
      ? 'records no status (written before memopt recorded one)'
      : report.status === 'abandoned'
        ? `is abandoned (recorded running, but its process ${report.environment.pid} on ${report.environment.hostname} is gone)`
        : `is ${report.status}${report.exitCode !== null && report.exitCode !== undefined ? ` (exit code ${report.exitCode})` : ''}`;
  throw new UsageError({ file, field: 'status' }, `run ${report.environment.runId} ${state}, not complete; pass ${flag} to use it anyway`);
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
