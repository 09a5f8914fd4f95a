import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import type { RunReport } from '../harness/types.ts';

/**
 * Saved baselines: `memopt run --save-baseline NAME` copies the run's report files (run.json with every
 * repetition's raw value, the CSVs) into `<baselines dir>/NAME/`, replacing an older baseline of that name whole
 * (a temporary folder, then a rename, so a crash never leaves half a baseline). Default folder `.baselines/`
 * (git-ignored: a baseline belongs to a machine; CI restores it from its cache, or saves it on the main branch).
 */
export const DEFAULT_BASELINES_DIR = '.baselines';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkBaselineName(name: string): void {
  if (!NAME.test(name)) {
    throw new UsageError({ field: '--save-baseline' }, `'${name}' is not a baseline name: expected letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

export interface SavedBaseline {
  name: string;
  dir: string;
  files: string[];
}

/** Copies the given report files into the baseline folder, replacing any older baseline of that name. */
export async function saveBaseline(options: {
  name: string;
  baselinesDir: string;
  files: readonly string[];
  /** Recorded in baseline.json beside the files. */
  run: { runId: string; gitCommit: string | null };
}): Promise<SavedBaseline> {
  checkBaselineName(options.name);
  const root = resolve(options.baselinesDir);
  const dir = join(root, options.name);
  const temp = join(root, `.${options.name}.${process.pid}.${Date.now()}.tmp`);
  await mkdir(temp, { recursive: true });
  const files: string[] = [];
  try {
    for (const file of new Set(options.files)) {
      await cp(file, join(temp, basename(file)));
      files.push(basename(file));
    }
    const info = { name: options.name, runId: options.run.runId, gitCommit: options.run.gitCommit, savedAt: new Date().toISOString() };
    await writeFile(join(temp, 'baseline.json'), `${JSON.stringify(info, null, 2)}\n`);
    const old = join(root, `.${options.name}.${process.pid}.${Date.now()}.old`);
    const hadOld = await exists(dir);
    if (hadOld) await rename(dir, old);
    await rename(temp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { name: options.name, dir, files: files.sort() };
}

export async function listBaselines(baselinesDir: string): Promise<string[]> {
  try {
    const entries = await readdir(resolve(baselinesDir), { withFileTypes: true });
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && (await exists(join(resolve(baselinesDir), entry.name, 'run.json')))) names.push(entry.name);
    }
    return names.sort();
  } catch {
    return [];
  }
}

/**
 * A run to compare: a saved baseline's name, or a report folder (any folder with a run.json). A name wins over a
 * folder of the same name; an unknown reference is bad input (exit 2) and the message lists the saved baselines.
 */
export async function resolveRunRef(ref: string, baselinesDir: string): Promise<{ ref: string; dir: string }> {
  const asBaseline = join(resolve(baselinesDir), ref);
  if (NAME.test(ref) && (await exists(join(asBaseline, 'run.json')))) return { ref, dir: asBaseline };
  if (await exists(join(resolve(ref), 'run.json'))) return { ref, dir: resolve(ref) };
  const known = await listBaselines(baselinesDir);
  throw new UsageError(
    { field: 'compare' },
    `'${ref}' is neither a saved baseline in ${baselinesDir}/ nor a report folder with a run.json` +
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
  return data as RunReport;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
