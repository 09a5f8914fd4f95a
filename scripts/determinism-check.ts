/**
 * The determinism check CI runs after the quick gate: the same scenarios again, with the same seed, as shards 1/2 and
 * 2/2 (one after the other) under deliberate CPU load (busy loops in other processes), merged; every exact counter
 * (MetricClass 'exact') of the merged run must equal the main run's, sample by sample. It fails naming each counter
 * that differs. Timings and time-dependent counters are not compared (they are allowed to move with load).
 *
 *   npx tsx scripts/determinism-check.ts --main reports/last                       # every scenario the main run has
 *   npx tsx scripts/determinism-check.ts --main reports/last --filter '/^search-cache-ttl$/' --load 1
 *
 * Exit code: 0 identical; 1 an exact counter differs (or a scenario is missing from one side); 2 bad input; 3 a
 * shard run or the merge failed to run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRunReport } from '../src/runs/baselines.ts';
import { RunError, UsageError } from '../src/errors.ts';
import { describeDifference, exactCounterDifferences, exactCounters, type ExactDifference } from '../src/harness/exact-counters.ts';
import type { RunReport } from '../src/harness/types.ts';
import { resolveRunFolder } from '../src/runs/run-folder.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

const USAGE = 'Usage: npx tsx scripts/determinism-check.ts --main DIR [--filter TEXT|/REGEX/] [--load N] [--out DIR]';
const MEMOPT = resolve(import.meta.dirname, '../bin/memopt.js');

export interface DeterminismResult {
  /** Scenarios compared (those of the other run, each also in the main run). */
  scenarios: string[];
  /** Exact counters compared (metric and side, per scenario). */
  counters: number;
  differences: ExactDifference[];
  /** Scenarios of the other run that the main run lacks. */
  missing: string[];
}

/** Compares the exact counters of `other` with the main run's, on the scenarios `other` ran. */
export function checkDeterminism(main: RunReport, other: RunReport): DeterminismResult {
  const mainNames = new Set(main.scenarios.map((s) => s.name));
  const missing = other.scenarios.filter((s) => !mainNames.has(s.name)).map((s) => s.name);
  const compared = other.scenarios.filter((s) => mainNames.has(s.name));
  const counters = compared.reduce((n, s) => n + exactCounters(s).size, 0);
  return { scenarios: compared.map((s) => s.name), counters, differences: exactCounterDifferences(main.scenarios, compared), missing };
}

/** The lines the check prints, and whether it passed. */
export function describeDeterminism(result: DeterminismResult): { passed: boolean; lines: string[] } {
  const lines: string[] = [];
  for (const name of result.missing) lines.push(`MISSING: ${name} is not in the main run`);
  for (const d of result.differences) lines.push(`DIFFERS: ${describeDifference(d)}`);
  const passed = result.differences.length === 0 && result.missing.length === 0 && result.scenarios.length > 0;
  if (result.scenarios.length === 0) lines.push('no scenario compared');
  lines.push(
    passed
      ? `determinism check passed: ${result.counters} exact counter(s) of ${result.scenarios.length} scenario(s) identical (${result.scenarios.join(', ')})`
      : `determinism check FAILED: ${result.differences.length} exact counter(s) differ, ${result.missing.length} scenario(s) missing`,
  );
  return { passed, lines };
}

/** Runs `node bin/memopt.js args`, inheriting stdout/stderr; resolves to its exit code. */
function memopt(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MEMOPT, ...args], { stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? (signal ? 3 : 0)));
  });
}

/** `count` busy loops in their own processes: deliberate CPU load on the machine while the shards run. */
function startLoad(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = parseScriptArgs(
    argv,
    { main: { type: 'string' }, filter: { type: 'string' }, load: { type: 'string', default: '1' }, out: { type: 'string' } },
    USAGE,
  );
  if (!options.main) throw new UsageError({ field: '--main' }, `name the main run (a run folder or reports root)\n\n${USAGE}`);
  const load = integerOption('--load', options.load, 0);
  const mainDir = await resolveRunFolder(options.main, '--main');
  const mainRun = await loadRunReport(mainDir);
  if (mainRun.environment.shard) throw new UsageError({ file: join(mainDir, 'run.json'), field: 'environment.shard' }, 'the main run is a shard: name an unsharded run');
  const env = mainRun.environment;
  const out = options.out ? resolve(options.out) : await mkdtemp(join(tmpdir(), 'memopt-determinism-'));
  if (!env.quick) throw new UsageError({ file: join(mainDir, 'run.json'), field: 'environment.quick' }, 'the main run is not a --quick run: the check runs the quick gate');
  const common = ['--quick', '--no-sweep'];
  if (typeof env.seed === 'number') common.push('--seed', String(env.seed));
  if (env.repetitions != null) common.push('--repetitions', String(env.repetitions));
  if (options.filter) common.push('--filter', options.filter);
  // The scenario files the main run ran (as it recorded them), so the shards select from the same set.
  const files = [...new Set(mainRun.scenarios.map((s) => s.file))];
  if (files.length === 0) throw new UsageError({ file: join(mainDir, 'run.json'), field: 'scenarios' }, 'the main run has no scenario');
  // Sweeps only add detail tables (each value on a fresh endpoint, after the pairs), so the shards skip them: time.
  const busy = startLoad(load);
  console.log(`determinism check: main run ${mainDir}; shards 1/2 and 2/2 under ${load} busy loop(s), into ${out}`);
  try {
    for (const shard of ['1/2', '2/2']) {
      const code = await memopt(['run', ...files, ...common, '--shard', shard, '--out', join(out, `shard-${shard[0]}`)]);
      if (code !== 0 && code !== 1) throw new RunError(`memopt run --shard ${shard} exited ${code}`);
    }
  } finally {
    for (const child of busy) child.kill();
  }
  const mergeCode = await memopt(['merge', join(out, 'shard-1'), join(out, 'shard-2'), '--out', join(out, 'merged')]);
  if (mergeCode !== 0 && mergeCode !== 1) throw new RunError(`memopt merge exited ${mergeCode}`);
  const merged = await loadRunReport(await resolveRunFolder(join(out, 'merged'), '--out'));
  const { passed, lines } = describeDeterminism(checkDeterminism(mainRun, merged));
  for (const line of lines) console.log(line);
  return passed ? 0 : 1;
}

await runIfEntryPoint(import.meta.url, main);
