import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { RunReport } from '../harness/types.ts';

/**
 * The scenario files `compare NAME` runs when none are named: the ones the baseline ran (run.json records each
 * scenario's file), so a baseline saved from `examples/` is compared with `examples/`, not with `scenarios/`. When a
 * file is no longer there (a baseline saved on another machine), the default folder is run instead, and the note
 * says so, naming the baseline's files either way.
 */
export function baselineScenarioFiles(report: RunReport, ref: string, cwd = process.cwd()): { files: string[] | undefined; note: string } {
  const files = [...new Set(report.scenarios.map((s) => s.file).filter((f): f is string => typeof f === 'string' && f !== ''))];
  const shown = (file: string) => {
    const rel = relative(cwd, resolve(cwd, file));
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
  };
  if (files.length === 0) return { files: undefined, note: `baseline '${ref}' records no scenario file: running the default scenario folder` };
  const missing = files.filter((f) => !existsSync(resolve(cwd, f)));
  if (missing.length > 0) {
    return {
      files: undefined,
      note: `baseline '${ref}' ran ${files.map(shown).join(', ')}; not found here: ${missing.map(shown).join(', ')}, so the default scenario folder runs (name the files with --scenarios)`,
    };
  }
  return { files: files.map((f) => resolve(cwd, f)), note: `running the scenario file(s) baseline '${ref}' ran: ${files.map(shown).join(', ')}` };
}
