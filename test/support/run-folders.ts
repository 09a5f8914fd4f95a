/** Finds the run folders a CLI run wrote under a reports root (see src/runs/run-folder.ts). */
import { readFile, realpath } from 'node:fs/promises';
import { readPointer } from '../../src/runs/files.ts';
import { join, resolve } from 'node:path';

/** The run started last under `root`, whatever its status (the `last` pointer). */
export async function lastRun(root: string): Promise<string> {
  return resolve(root, (await readFile(join(root, 'last'), 'utf8')).trim());
}

/** The last complete run under `root` (the `latest` link, or a pointer file where links cannot be made). */
export async function latestRun(root: string): Promise<string> {
  return realpath(await readPointer(root, 'latest'));
}

/** The folder of a saved baseline's current version. */
export async function baselineFolder(baselines: string, name: string): Promise<string> {
  return join(baselines, name, (await readFile(join(baselines, name, 'current'), 'utf8')).trim());
}
