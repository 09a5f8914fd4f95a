import { resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';

/** One file to write: a name relative to its folder (or an absolute path), and its bytes or text. */
export interface ReportFile {
  name: string;
  contents: string | Uint8Array;
}

/**
 * Writes report files into `dir` (a name relative to it, or an absolute path), each atomically. Every file memopt
 * writes for a run, a comparison, a baseline or a chart page goes through here, so each is whole or absent, never
 * half written.
 */
export async function writeReportFiles(dir: string, files: readonly ReportFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = resolve(dir, file.name);
    await writeFileAtomic(path, file.contents);
    written.push(path);
  }
  return written;
}

/** The pointer file naming a reports root's latest complete run (`runs/<folder>`, relative to the root). */
export const LATEST_POINTER = 'latest';
/** The pointer file naming the run started last, whatever became of it (CI draws its charts from it). */
export const LAST_POINTER = 'last';
