import { readFile, rename, rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ReportWriteError, type ReportFileFailure } from '../errors.ts';
import { tempPathBeside, writeFileAtomic } from '../util/atomic-write.ts';
import { redactContents } from '../util/redact.ts';

/** One file to write: a name relative to its folder (or an absolute path), and its bytes or text. */
export interface ReportFile {
  name: string;
  contents: string | Uint8Array;
}

/**
 * Writes report files into `dir` (a name relative to it, or an absolute path), each atomically. Every file memopt
 * writes for a run, a comparison, a baseline or a chart page goes through here, so each is whole or absent, never
 * half written, and none holds a known secret (util/redact.ts).
 */
export async function writeReportFiles(dir: string, files: readonly ReportFile[]): Promise<string[]> {
  const written: string[] = [];
  const failed: ReportFileFailure[] = [];
  // Every file is tried: one that cannot be written (disk full) does not keep the others from being written whole.
  for (const file of files) {
    const path = resolve(dir, file.name);
    try {
      await writeFileAtomic(path, redactContents(file.contents));
      written.push(path);
    } catch (error) {
      failed.push({ path, message: (error as Error)?.message ?? String(error) });
    }
  }
  if (failed.length > 0) throw new ReportWriteError(failed, written);
  return written;
}

/** How report files are written (writeReportFiles; tests inject one that fails, as a full disk would). */
export type ReportFilesWriter = (dir: string, files: readonly ReportFile[]) => Promise<string[]>;

/**
 * The pointer naming a reports root's latest complete run (`runs/<folder>`, relative to the root): a symbolic link,
 * so `ls reports/latest/` and `open reports/latest/report.html` work (see writeLinkPointer).
 */
export const LATEST_POINTER = 'latest';

/**
 * Points `<root>/<name>` at `target` (relative to root) as a symbolic link, replaced atomically (a link made beside
 * it, renamed over it: a reader sees the old run or the new one). Where links cannot be made (Windows without the
 * privilege), a pointer file holding the target's path is written instead; readers take both (readPointer).
 */
export async function writeLinkPointer(root: string, name: string, target: string): Promise<string> {
  const path = resolve(root, name);
  const temp = tempPathBeside(path, 'link');
  try {
    await symlink(target, temp, 'dir');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    await writeFileAtomic(path, `${target}\n`);
    return path;
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return path;
}

/** The run folder a pointer names, absolute: a link to it (followed) or a pointer file (its text, relative to root). */
export async function readPointer(root: string, name: string): Promise<string> {
  const path = join(resolve(root), name);
  try {
    return resolve(root, (await readFile(path, 'utf8')).trim());
  } catch (error) {
    // A link to a folder reads as EISDIR: the folder it names is the run.
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return path;
    throw error;
  }
}
/** The pointer file naming the run started last, whatever became of it (CI draws its charts from it). */
export const LAST_POINTER = 'last';
