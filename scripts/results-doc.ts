/**
 * Regenerates the measured tables of docs/results.md from the reference reports, so the figures a reader sees
 * cannot drift from the CSVs they came from.
 *
 *   npx tsx scripts/results-doc.ts            # rewrite the generated blocks in place
 *   npx tsx scripts/results-doc.ts --check    # exit 1 if a block is out of date (a test runs this)
 *
 * The document is hand-written prose around generated blocks. A block is opened by a marker naming a CSV file
 * (relative to the repository root) and closed by `<!-- /generated -->`:
 *
 *   <!-- generated: summary reports/reference/full-summary.csv -->   every gated metric of a summary.csv
 *   <!-- generated: table reports/reference/x.csv -->                  a detail or bench CSV as it is
 *
 * Everything between the markers is replaced; everything outside them is kept byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError } from '../src/errors.ts';
import { formatValue } from '../src/report/format.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

const USAGE = `Usage: npx tsx scripts/results-doc.ts [--doc docs/results.md] [--root .] [--check]`;
const OPEN = /^<!-- generated: (summary|table) (\S+) -->$/;
const CLOSE = '<!-- /generated -->';

type Row = Record<string, string>;

function readCsv(root: string, file: string): Row[] {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (error) {
    throw new InputError({ file }, `cannot read the CSV a results block names (${(error as Error).message})`, { cause: error });
  }
  return parse(text, { columns: true, skip_empty_lines: true }) as Row[];
}

function number(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The run facts and every metric that carries a target, one Markdown table per summary.csv. */
export function renderSummary(rows: readonly Row[]): string {
  const run = new Map(rows.filter((r) => r.scenario === '_run').map((r) => [r.metric, r.baseline]));
  const facts = [
    `run ${run.get('run_id') ?? '?'}`,
    `started ${run.get('started_at') ?? '?'}`,
    run.get('quick') === 'true' ? 'quick (--quick)' : 'full size',
    `seed ${run.get('seed') ?? '?'}`,
    `commit ${(run.get('git_commit') ?? '?').slice(0, 7)}${run.get('git_dirty') === 'true' ? ' (uncommitted changes)' : ''}`,
    `Node ${run.get('node') ?? '?'}`,
    `${run.get('cpu_count') ?? '?'} x ${run.get('cpu_model') ?? '?'}`,
  ];
  const lines = [`_${facts.join(', ')}._`, '', '| scenario | metric | baseline | optimized | change | target | result |', '|---|---|---|---|---|---|---|'];
  let previous = '';
  for (const r of rows) {
    if (r.scenario === '_run' || r.target === '') continue;
    const change = number(r.change_pct);
    const result = r.passed === 'true' ? 'met' : r.passed === 'false' ? '**missed**' : '';
    lines.push(
      `| ${r.scenario === previous ? '' : cell(r.scenario)} | ${cell(r.metric)} | ${formatValue(number(r.baseline), r.unit)} | ` +
        `${formatValue(number(r.optimized), r.unit)} | ${change === null ? '-' : `${change > 0 ? '+' : ''}${change.toFixed(1)}%`} | ` +
        `${cell(r.target)} | ${result} |`,
    );
    previous = r.scenario;
  }
  return lines.join('\n');
}

/** A CSV as a Markdown table; numbers rounded for reading (the CSV keeps full precision). */
export function renderTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '_(empty table)_';
  const columns = Object.keys(rows[0]!).filter((c) => c !== 'run_id');
  const lines = [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${columns.map((c) => {
      const value = number(r[c]);
      return value === null ? cell(r[c] ?? '') : formatValue(value, '');
    }).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The document with every generated block rewritten from its CSV. */
export function renderResultsDoc(doc: string, root: string, docName = 'docs/results.md'): string {
  const lines = doc.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!);
    if (!open) {
      out.push(lines[i]!);
      continue;
    }
    const end = lines.indexOf(CLOSE, i + 1);
    if (end < 0) throw new InputError({ file: docName, line: i + 1 }, `'${lines[i]}' has no closing '${CLOSE}'`);
    const rows = readCsv(root, open[2]!);
    out.push(lines[i]!, open[1] === 'summary' ? renderSummary(rows) : renderTable(rows), CLOSE);
    i = end;
  }
  return out.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseScriptArgs(argv, {
    doc: { type: 'string', default: 'docs/results.md' },
    root: { type: 'string', default: '.' },
    check: { type: 'boolean', default: false },
  }, USAGE);
  const file = join(options.root, options.doc);
  const current = readFileSync(file, 'utf8');
  const next = renderResultsDoc(current, options.root, options.doc);
  if (options.check) {
    if (next === current) return 0;
    console.error(`${options.doc} is out of date with the reference reports: run npx tsx scripts/results-doc.ts`);
    return 1;
  }
  if (next !== current) await writeFileAtomic(file, next);
  console.log(next === current ? `${options.doc}: up to date` : `${options.doc}: rewritten`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
