import { resolve } from 'node:path';
import { ReportWriteError, type ReportFileFailure } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
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

/** The pointer file naming a reports root's latest complete run (`runs/<folder>`, relative to the root). */
export const LATEST_POINTER = 'latest';
/** The pointer file naming the run started last, whatever became of it (CI draws its charts from it). */
export const LAST_POINTER = 'last';
