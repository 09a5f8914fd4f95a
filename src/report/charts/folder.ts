import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../../errors.ts';
import { median } from '../../util/median.ts';

/** A CSV row with numbers parsed (full precision as written); empty cells are null. */
export type Row = Record<string, string | number | null>;

/** What `memopt report` reads from a report folder: every CSV by file name (without .csv), and run.json if any. */
export interface ReportFolder {
  dir: string;
  tables: Map<string, Row[]>;
  /** run.json, parsed; null when absent or unreadable (charts then use the CSVs alone). */
  run: { environment?: Record<string, unknown>; scenarios?: Array<Record<string, unknown>> } | null;
}

export async function readReportFolder(dir: string): Promise<ReportFolder> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    throw new UsageError({ file: dir }, 'no such report folder');
  }
  const tables = new Map<string, Row[]>();
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.csv') || entry.startsWith('.')) continue;
    const file = join(dir, entry);
    let rows: Record<string, string>[];
    try {
      rows = parse(await readFile(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    } catch (error) {
      throw new UsageError({ file }, `not a readable CSV: ${(error as Error).message}`);
    }
    tables.set(entry.slice(0, -'.csv'.length), rows.map(castRow));
  }
  if (tables.size === 0) throw new UsageError({ file: dir }, 'no CSV reports here (run memopt run first)');
  let run: ReportFolder['run'] = null;
  try {
    run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  } catch {
    run = null;
  }
  return { dir, tables, run };
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function castRow(row: Record<string, string>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === '') out[key] = null;
    else if (NUMBER.test(value)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

/** Tables whose name ends with `.<suffix>`, as [scenario, rows]. */
export function tablesNamed(folder: ReportFolder, suffix: string): Array<[string, Row[]]> {
  const out: Array<[string, Row[]]> = [];
  for (const [name, rows] of folder.tables) {
    if (name.endsWith(`.${suffix}`)) out.push([name.slice(0, -suffix.length - 1), rows]);
  }
  return out;
}

/** The summary's median for a scenario, metric and side ('baseline' or 'optimized'), if present. */
export function summaryValue(folder: ReportFolder, scenario: string, metric: string, side: 'baseline' | 'optimized'): number | null {
  const row = folder.tables.get('summary')?.find((r) => r.scenario === scenario && r.metric === metric);
  const value = row?.[side];
  return typeof value === 'number' ? value : null;
}

/** Rows of one side, from the first repetition present (detail tables repeat per repetition). */
export function firstRepetition(rows: Row[], side: 'baseline' | 'optimized' = 'optimized'): Row[] {
  const ofSide = rows.filter((r) => r.side === undefined || r.side === side);
  const reps = ofSide.map((r) => (typeof r.repetition === 'number' ? r.repetition : 0));
  if (reps.length === 0) return [];
  const first = Math.min(...reps);
  return ofSide.filter((r) => (typeof r.repetition === 'number' ? r.repetition : 0) === first);
}

/** Median of y per x over all rows (repetitions pooled), sorted by x. */
export function medianBy(rows: Row[], x: string, y: string): Array<{ x: number; y: number }> {
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const xv = r[x];
    const yv = r[y];
    if (typeof xv !== 'number' || typeof yv !== 'number') continue;
    groups.set(xv, [...(groups.get(xv) ?? []), yv]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([xv, ys]) => ({ x: xv, y: median(ys) }));
}
