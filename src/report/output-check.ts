import { constants } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { dirname, parse, resolve, sep } from 'node:path';
import { UsageError } from '../errors.ts';
import { tempPathBeside } from '../util/atomic-write.ts';

/**
 * Checks, before anything is measured, that a run can write where it was told to: an output folder that is a file,
 * a file that is a folder, a path under something that is not a folder, or a folder memopt cannot create files in
 * (read-only, /proc) is bad input (exit 2) naming the option, not an error after the first scenario.
 */
export async function checkOutputFolder(path: string, field: string): Promise<void> {
  checkNameLengths(path, field);
  const full = resolve(path);
  const info = await stat(full).catch(() => null);
  if (info && !info.isDirectory()) throw new UsageError({ file: path, field }, 'is a file, expected a folder (or a path to create one at)');
  await checkCanCreateIn(info ? full : await nearestExisting(full, path, field), path, field);
}

export async function checkOutputFile(path: string, field: string): Promise<void> {
  checkNameLengths(path, field);
  const full = resolve(path);
  const info = await stat(full).catch(() => null);
  if (info?.isDirectory()) throw new UsageError({ file: path, field }, 'is a folder, expected a file name');
  if (info && !info.isFile()) throw new UsageError({ file: path, field }, 'is not a regular file');
  const parent = dirname(full);
  const parentInfo = await stat(parent).catch(() => null);
  await checkCanCreateIn(parentInfo ? parent : await nearestExisting(parent, path, field), path, field);
}

/** Most file systems (ext4, APFS, NTFS) refuse a name longer than this many bytes. */
const MAX_NAME_BYTES = 255;

/** A path with a name longer than a file system allows (ENAMETOOLONG later) is bad input now, naming the option. */
function checkNameLengths(path: string, field: string): void {
  const long = resolve(path)
    .split(sep)
    .find((name) => Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES);
  if (long !== undefined) {
    throw new UsageError({ field }, `a name in the path is ${Buffer.byteLength(long, 'utf8')} bytes long ('${long.slice(0, 24)}...'); file systems allow at most ${MAX_NAME_BYTES}`);
  }
}

/** The nearest ancestor that exists; it must be a folder. */
async function nearestExisting(full: string, path: string, field: string): Promise<string> {
  let current = full;
  while (current !== parse(current).root) {
    const parent = dirname(current);
    const info = await stat(parent).catch(() => null);
    if (info) {
      if (!info.isDirectory()) throw new UsageError({ file: path, field }, `${parent} is a file, so nothing can be created under it`);
      return parent;
    }
    current = parent;
  }
  return current;
}

/** Creates and removes a probe file (exclusively, not following links): the one check that answers for every OS. */
async function checkCanCreateIn(dir: string, path: string, field: string): Promise<void> {
  const probe = tempPathBeside(resolve(dir, 'memopt-write-check'), 'probe');
  try {
    const handle = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    await handle.close();
  } catch (error) {
    throw new UsageError({ file: path, field }, `cannot create files in ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  await rm(probe, { force: true });
}
