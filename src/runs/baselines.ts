import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { RunReport } from '../harness/types.ts';
import { writeReportFiles, type ReportFile } from './files.ts';
import { resolveRunFolder } from './run-folder.ts';
import { ensureDir } from '../util/atomic-write.ts';
import { withDirLock } from '../util/dir-lock.ts';
import { processIsGone } from '../util/process-alive.ts';

/**
 * Saved baselines: `memopt run --save-baseline NAME` copies the run's report files (run.json with every
 * repetition's raw value, the CSVs) into a new version folder `<baselines dir>/NAME/<version>/`, then moves the
 * pointer file `<baselines dir>/NAME/current` to it (written whole, fsynced, renamed over the old pointer), then
 * removes older versions. Replacement is all-or-nothing: an interruption at any point leaves `current` naming either
 * the old baseline or the new one, both whole. Saves of one name are serialized by a lock folder (`NAME/.lock`), so
 * concurrent saves end with `current` naming the last one to finish, whole. Default folder `.baselines/` (git-ignored: a baseline belongs to a
 * machine; CI restores it from its cache, or saves it on the main branch). A baseline folder with run.json directly
 * in it (the layout before versions) is still read.
 */
export const DEFAULT_BASELINES_DIR = '.baselines';

/** The pointer file in a baseline's folder naming its current version. */
export const CURRENT_POINTER = 'current';
/** The lock folder a save holds in the baseline's folder (util/dir-lock.ts). */
const LOCK = '.lock';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkBaselineName(name: string): void {
  if (!NAME.test(name)) {
    throw new UsageError({ field: '--save-baseline' }, `'${name}' is not a baseline name: expected letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

export interface SavedBaseline {
  name: string;
  /** The version folder now current. */
  dir: string;
  files: string[];
}

/** Copies the given report files into a new version of the baseline, then makes it current (see above). */
export async function saveBaseline(options: {
  name: string;
  baselinesDir: string;
  files: readonly string[];
  /** Recorded in baseline.json beside the files. */
  run: { runId: string; gitCommit: string | null };
}): Promise<SavedBaseline> {
  checkBaselineName(options.name);
  const home = join(resolve(options.baselinesDir), options.name);
  await ensureDir(home);
  // One save of a name at a time (processes or callers in one process): a save's cleanup removes every version but
  // its own, so two interleaved saves could each remove the other's and leave `current` naming nothing.
  return withDirLock(join(home, LOCK), async () => {
    const savedAt = new Date().toISOString();
    const version = `v${savedAt.replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
    const dir = join(home, version);
    await mkdir(dir);
    const files: ReportFile[] = [];
    for (const file of new Set(options.files)) files.push({ name: basename(file), contents: await readFile(file) });
    const info = { name: options.name, runId: options.run.runId, gitCommit: options.run.gitCommit, savedAt };
    files.push({ name: 'baseline.json', contents: `${JSON.stringify(info, null, 2)}\n` });
    try {
      await writeReportFiles(dir, files);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    // The commit point: before this rename the old baseline is current, after it the new one.
    await writeReportFiles(home, [{ name: CURRENT_POINTER, contents: `${version}\n` }]);
    for (const entry of await readdir(home)) {
      if (entry !== CURRENT_POINTER && entry !== version && !entry.startsWith(LOCK)) await rm(join(home, entry), { recursive: true, force: true });
    }
    return { name: options.name, dir, files: files.map((f) => f.name).sort() };
  });
}

/** The folder holding a saved baseline's run.json: its current version, or the baseline folder itself (old layout). */
async function baselineRunDir(home: string): Promise<string | null> {
  const pointer = await readFile(join(home, CURRENT_POINTER), 'utf8').catch(() => null);
  if (pointer !== null) {
    const dir = join(home, pointer.trim());
    return pointer.trim() && NAME.test(pointer.trim()) && (await exists(join(dir, 'run.json'))) ? dir : null;
  }
  return (await exists(join(home, 'run.json'))) ? home : null;
}

export async function listBaselines(baselinesDir: string): Promise<string[]> {
  try {
    const entries = await readdir(resolve(baselinesDir), { withFileTypes: true });
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && (await baselineRunDir(join(resolve(baselinesDir), entry.name)))) names.push(entry.name);
    }
    return names.sort();
  } catch {
    return [];
  }
}

/**
 * A run to compare: a saved baseline's name, or a folder (a run folder, a reports root meaning its latest complete
 * run, or a pointer file). A name wins over a folder of the same name; an unknown reference is bad input (exit 2)
 * and the message lists the saved baselines.
 */
export async function resolveRunRef(ref: string, baselinesDir: string): Promise<{ ref: string; dir: string }> {
  if (NAME.test(ref)) {
    const dir = await baselineRunDir(join(resolve(baselinesDir), ref));
    if (dir) return { ref, dir };
  }
  if (await exists(resolve(ref))) return { ref, dir: await resolveRunFolder(ref, 'compare') };
  const known = await listBaselines(baselinesDir);
  throw new UsageError(
    { field: 'compare' },
    `'${ref}' is neither a saved baseline in ${baselinesDir}/ nor a run folder or reports root` +
      (known.length ? ` (saved baselines: ${known.join(', ')})` : ' (no baseline is saved yet: memopt run --save-baseline NAME)'),
  );
}

/** Just enough of run.json's shape to compare it; anything else in the file is kept as it is. */
const runReportSchema = z.object({
  environment: z.object({ runId: z.string(), startedAt: z.string(), quick: z.boolean(), packages: z.record(z.string(), z.string()) }).loose(),
  scenarios: z.array(
    z
      .object({
        name: z.string(),
        seed: z.number(),
        quick: z.boolean(),
        status: z.enum(['passed', 'missed', 'errored']),
        metrics: z.array(
          z
            .object({
              name: z.string(),
              unit: z.string(),
              kind: z.enum(['counter', 'timing', 'memory', 'ratio']),
              better: z.enum(['lower', 'higher']),
              baselineSamples: z.array(z.number()),
              optimizedSamples: z.array(z.number()),
            })
            .loose(),
        ),
      })
      .loose(),
  ),
});

/** Reads a report folder's run.json (bad or missing file: exit 2, naming the file and the field). */
export async function loadRunReport(dir: string): Promise<RunReport> {
  const file = join(dir, 'run.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError({ file }, 'cannot read the run manifest');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError({ file }, `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = runReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError({ file, field: issue.path.map(String).join('.') }, `not a memopt run manifest: ${issue.message}`);
  }
  return withAbandonedStatus(data as RunReport);
}

/**
 * A run recorded 'running' whose process is gone from this host (killed with -9, a crash, a power cut) will never
 * end: shown as 'abandoned'. One from another host, or whose process is alive, stays 'running'.
 */
export function withAbandonedStatus(report: RunReport): RunReport {
  const { pid, hostname: host } = report.environment;
  if (report.status !== 'running' || pid === undefined || host !== hostname() || !processIsGone(pid)) return report;
  return { ...report, status: 'abandoned' };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
