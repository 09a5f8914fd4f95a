import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, parse, resolve } from 'node:path';

/**
 * Writes a file so a reader (or a crash) never sees it half written: a temporary file beside the target, then a
 * rename over it (atomic on one filesystem). The temporary file has an unpredictable name and is created exclusively
 * without following a symlink (O_CREAT | O_EXCL | O_NOFOLLOW), so nothing planted at a guessed name is written
 * through; its bytes are fsynced before the rename, so a crash right after cannot leave an empty file in its place.
 * The folder is created if missing (see `ensureDir`: never a recursive mkdir that can hang on /proc).
 */
export async function writeFileAtomic(file: string, contents: string | Uint8Array): Promise<void> {
  const target = resolve(file);
  await ensureDir(dirname(target));
  const temp = tempPathBeside(target);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  let created = false;
  try {
    const handle = await open(temp, flags, 0o644);
    created = true;
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    created = false;
  } finally {
    if (created) await rm(temp, { force: true });
  }
}

/** `.<name>.<16 random hex>.tmp` in the target's own folder (same filesystem, so the rename is atomic). */
export function tempPathBeside(target: string, suffix = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(8).toString('hex')}.${suffix}`);
}

/**
 * Creates a folder and its missing parents one level at a time. Node's `mkdir(..., { recursive: true })` never
 * returns for a path under /proc (it retries ENOENT forever); this walks up to the nearest existing ancestor, which
 * must be a folder, then creates each level once, so every failure is an ordinary error.
 */
export async function ensureDir(dir: string): Promise<void> {
  const full = resolve(dir);
  const missing: string[] = [];
  let current = full;
  for (;;) {
    const info = await statOrNull(current);
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${current}'`), { code: 'ENOTDIR', path: current });
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current || current === parse(current).root) break;
    current = parent;
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (error) {
      // Another writer may have created it meanwhile; anything else is a real failure.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !(await statOrNull(level))?.isDirectory()) throw error;
    }
  }
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // A dangling symlink is not "missing": creating through it would follow it.
      const link = await lstat(path).catch(() => null);
      if (link?.isSymbolicLink()) throw Object.assign(new Error(`ELOOP: dangling symbolic link, '${path}'`), { code: 'ELOOP', path });
      return null;
    }
    throw error;
  }
}
