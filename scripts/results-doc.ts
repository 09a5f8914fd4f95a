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
 *
 * Every summary row says on which vectors it was measured (column `vectors`), read from the scenario's definition in
 * scenarios/ (vectorsOf): an accuracy figure on the mock's generative model is not one on real embeddings.
 */
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import type { ScenarioDefinition } from '../src/harness/types.ts';
import { findScenarioFiles, loadScenarios } from '../src/harness/loader.ts';
import { parse } from 'csv-parse/sync';
import { InputError } from '../src/errors.ts';
import { formatValue } from '../src/report/format.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

// The scenarios it reads import 'memopt': resolve that to the sources, as bin/memopt.js does in the repository
// (under vitest the config adds the same condition; registering it twice is harmless).
register('../bin/source-condition.mjs', import.meta.url);

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

/** Names of the kinds of vectors, as the summary tables print them. */
export const VECTOR_KINDS = {
  mock: "mock (memopt's generative model)",
  useLite: 'USE-lite (real)',
  file: "a user's vector file",
} as const;

/**
 * On which vectors a scenario measures: USE-lite when its index reads the shipped real vectors (`workload.vectors:
 * 'use-lite'`) or its server answers with the real model (`mock.model: 'use-lite'`), a file for file-sourced vectors,
 * the mock's model otherwise.
 */
export function vectorsOf(definition: Pick<ScenarioDefinition, 'workload' | 'endpoint' | 'mock'>): string {
  const workload = definition.workload as { vectors?: unknown } | undefined;
  const model = (definition.endpoint ?? definition.mock)?.model;
  if (workload?.vectors === 'use-lite' || model === 'use-lite') return VECTOR_KINDS.useLite;
  if (typeof workload?.vectors === 'object' && workload.vectors !== null) return VECTOR_KINDS.file;
  if (model !== undefined) return `${model} (real)`;
  return VECTOR_KINDS.mock;
}

/** Scenario name -> vectorsOf, for every scenario file under `root`/scenarios. */
export async function scenarioVectors(root: string): Promise<Map<string, string>> {
  const files = await findScenarioFiles([], join(root, 'scenarios'));
  const scenarios = await loadScenarios(files, { quick: false });
  return new Map(scenarios.map((s) => [s.definition.name, vectorsOf(s.definition)]));
}

/**
 * The run facts and every metric that carries a target, one Markdown table per summary.csv, each scenario's first
 * row naming the vectors it was measured on (`vectors`: scenario name -> kind; a name not there is 'not recorded').
 */
export function renderSummary(rows: readonly Row[], vectors: ReadonlyMap<string, string> = new Map()): string {
  const run = new Map(rows.filter((r) => r.scenario === '_run').map((r) => [r.metric, r.baseline]));
  const facts = [
    `run ${run.get('run_id') ?? '?'}`,
    `started ${run.get('started_at') ?? '?'}`,
    run.get('quick') === 'true' ? 'quick (--quick)' : 'full size',
    `seed ${run.get('seed') ?? '?'}`,
    `commit ${(run.get('git_commit') ?? '?').slice(0, 7)}${run.get('git_dirty') === 'true' ? ' (uncommitted changes)' : ''}`,
    `Node ${run.get('node') ?? '?'}`,
    `${run.get('cpu_count') ?? '?'} x ${run.get('cpu_model') ?? '?'}`,
    // References written before the row existed were all mock model version 1.
    `mock model v${run.get('mock_model_version') || '1'}`,
  ];
  const lines = [
    `_${facts.join(', ')}._`,
    '',
    '| scenario | vectors | metric | baseline | optimized | change | target | result |',
    '|---|---|---|---|---|---|---|---|',
  ];
  let previous = '';
  for (const r of rows) {
    if (r.scenario === '_run' || r.target === '') continue;
    const change = number(r.change_pct);
    const result = r.passed === 'true' ? 'met' : r.passed === 'false' ? '**missed**' : '';
    const first = r.scenario !== previous;
    const who = first ? `${cell(r.scenario)} | ${cell(vectors.get(r.scenario) ?? 'not recorded')}` : ' | ';
    lines.push(
      `| ${who} | ${cell(r.metric)} | ${formatValue(number(r.baseline), r.unit)} | ` +
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

/** The document with every generated block rewritten from its CSV (`vectors` as for renderSummary). */
export function renderResultsDoc(doc: string, root: string, docName = 'docs/results.md', vectors: ReadonlyMap<string, string> = new Map()): string {
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
    out.push(lines[i]!, open[1] === 'summary' ? renderSummary(rows, vectors) : renderTable(rows), CLOSE);
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
  const next = renderResultsDoc(current, options.root, options.doc, await scenarioVectors(options.root));
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
