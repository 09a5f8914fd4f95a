import { relative, resolve, sep } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { checkBaselineName, DEFAULT_BASELINES_DIR, loadRunReport, resolveRunRef, saveBaseline } from '../compare/baselines.ts';
import { compareRuns } from '../compare/compare.ts';
import { comparisonExitCode } from '../compare/gate.ts';
import type { RunComparison } from '../compare/types.ts';
import { ExitCode, MemoptError, UsageError } from '../errors.ts';
import { describeEnvironment } from '../harness/environment.ts';
import { findScenarioFiles, loadScenarios } from '../harness/loader.ts';
import { exitCodeFor, runScenario } from '../harness/runner.ts';
import type { EnvironmentInfo, RunReport, ScenarioResult } from '../harness/types.ts';
import { renderCharts } from '../report/charts/render.ts';
import { formatComparison, formatEnvironment, formatOutcome, formatScenario } from '../report/console.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { comparisonCsv, csvExporter, jsonExporter } from '../report/csv.ts';
import type { Exporter } from '../report/exporter.ts';
import { markdownExporter, renderMarkdown } from '../report/markdown.ts';
import { ProgressDisplay } from '../report/progress.ts';
import { ReportWriter } from '../report/report-writer.ts';
import { describeTarget } from './describe.ts';
import { serveCommand, serveOptions } from './serve.ts';

const DEFAULT_SCENARIO_DIR = 'scenarios';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal: progress is a live status line there, else one line per finished step. Default false. */
  errIsTTY?: boolean;
  /** Terminal width for the status line. */
  columns?: number;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns,
};

/** Options shared by `run` and `compare NAME` (which runs the scenarios too). */
function runOptions<T>(y: Argv<T>) {
  return y
    .option('quick', { type: 'boolean', default: false, describe: 'Smaller workloads and fewer repetitions (for CI)' })
    .option('filter', { type: 'string', describe: 'Only scenarios whose name contains this text, or matches /regex/' })
    .option('seed', { type: 'number', describe: "Seed for every scenario (default: each scenario's own, else 42)" })
    .option('repetitions', { type: 'number', describe: "Interleaved pairs per scenario, replacing each scenario's own count (more gives timings a real test)" })
    .option('sweep', { type: 'boolean', default: true, describe: 'Run the param sweeps scenarios declare (--no-sweep skips them)' })
    .option('save-baseline', { type: 'string', describe: 'Also save this run as a baseline of this name (for memopt compare NAME)' })
    .option('baselines-dir', { type: 'string', default: DEFAULT_BASELINES_DIR, describe: 'Folder of saved baselines' })
    .option('markdown', { type: 'string', describe: 'Also write a Markdown summary to this file (CI job summary, PR comment)' })
    .option('verbose', { type: 'boolean', default: false, describe: "Print the drivers' progress lines too" });
}

/** The parsed options `runOptions` declares, as `run` and `compare` pass them on. */
function sharedRunArgs(args: {
  quick: boolean;
  filter?: string;
  seed?: number;
  repetitions?: number;
  sweep: boolean;
  'save-baseline'?: string;
  'baselines-dir': string;
  markdown?: string;
  verbose: boolean;
}): Omit<RunArgs, 'files' | 'out'> {
  return {
    quick: args.quick,
    filter: args.filter,
    seed: args.seed,
    repetitions: args.repetitions,
    sweep: args.sweep,
    saveBaseline: args['save-baseline'],
    baselinesDir: args['baselines-dir'],
    markdown: args.markdown,
    verbose: args.verbose,
  };
}

/** Runs the CLI and returns the exit code (0 met, 1 target missed or regression, 2 bad input, 3 run failed). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = yargs()
    .scriptName('memopt')
    .usage('$0 <command> [options]')
    // Options are single words; without camel-case expansion an unknown --foo-bar is reported once, not twice.
    .parserConfiguration({ 'camel-case-expansion': false })
    .command(
      'run [files..]',
      'Run scenarios (default: every file in scenarios/), print a table, write CSV reports, exit 1 if a target is missed',
      (y) =>
        runOptions(y.positional('files', { type: 'string', array: true, describe: 'Scenario files or folders' })).option('out', {
          type: 'string',
          default: 'reports',
          describe: 'Folder for the CSV reports',
        }),
      async (args) => {
        exitCode = await runCommand(
          argv,
          {
            ...sharedRunArgs(args),
            files: args.files ?? [],
            out: args.out,
          },
          io,
        );
      },
    )
    .command(
      'compare <saved> [current]',
      'Compare a run with a saved baseline, metric by metric: with one name, run the scenarios now and compare; with two (names or report folders), compare them without running. Exit 1 on a significant regression or a missed target',
      (y) =>
        runOptions(
          y
            .positional('saved', { type: 'string', demandOption: true, describe: 'A saved baseline name, or a report folder' })
            .positional('current', { type: 'string', describe: 'A second baseline name or report folder (then nothing runs)' }),
        )
          .option('scenarios', { type: 'string', array: true, describe: "Scenario files or folders to run (default: scenarios/, only the saved run's scenarios)" })
          .option('out', { type: 'string', describe: 'Folder for the reports and comparison.csv (default reports/ when running)' }),
      async (args) => {
        exitCode = await compareCommand(
          argv,
          {
            saved: args.saved,
            current: args.current,
            ...sharedRunArgs(args),
            files: args.scenarios ?? [],
            out: args.out,
          },
          io,
        );
      },
    )
    .command(
      'report [dir]',
      'Render SVG charts and a self-contained HTML page from a report folder (sweeps, curves, bounds)',
      (y) =>
        y
          .positional('dir', { type: 'string', default: 'reports', describe: 'Report folder with the CSVs' })
          .option('out', { type: 'string', describe: 'Where to write charts/ and report.html (default: the report folder)' }),
      async (args) => {
        exitCode = await reportCommand({ dir: args.dir, out: args.out }, io);
      },
    )
    .command(
      'list [files..]',
      'List scenarios with their workload driver and targets',
      (y) => y.positional('files', { type: 'string', array: true, describe: 'Scenario files or folders' }),
      async (args) => {
        exitCode = await listCommand(args.files ?? [], io);
      },
    )
    .command(
      'serve',
      'Serve the mocked OpenAI embeddings API over real HTTP (POST /v1/embeddings, GET /v1/models, GET /memopt/ledger) until Ctrl-C',
      (y) => serveOptions(y),
      async (args) => {
        exitCode = await serveCommand(args, { out: io.out });
      },
    )
    .demandCommand(1, 'Name a command: run, compare, report or list (see --help)')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError({}, `${message} (see memopt --help)`);
    });

  try {
    const output = await new Promise<string>((resolveOutput, reject) => {
      parser
        .parseAsync([...argv], {}, (err, _argv, out) => (err ? reject(err) : resolveOutput(out)))
        .catch(reject);
    });
    if (output) io.out(`${output}\n`);
  } catch (error) {
    return reportError(error, io);
  }
  return exitCode;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof MemoptError) {
    io.err(`memopt: ${error.message}\n`);
    return error.exitCode;
  }
  io.err(`memopt: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.runFailed;
}

interface RunArgs {
  files: string[];
  quick: boolean;
  filter?: string;
  seed?: number;
  repetitions?: number;
  sweep: boolean;
  out: string;
  saveBaseline?: string;
  baselinesDir: string;
  markdown?: string;
  verbose: boolean;
}

function checkRunArgs(args: Omit<RunArgs, 'out'>): void {
  if (args.seed !== undefined && !Number.isInteger(args.seed)) {
    throw new UsageError({ field: '--seed' }, `expected an integer, found ${args.seed}`);
  }
  if (args.repetitions !== undefined && (!Number.isInteger(args.repetitions) || args.repetitions < 1 || args.repetitions > 50)) {
    throw new UsageError({ field: '--repetitions' }, `expected an integer from 1 to 50, found ${args.repetitions}`);
  }
  if (args.saveBaseline !== undefined) checkBaselineName(args.saveBaseline);
  if (args.markdown !== undefined && args.markdown.trim() === '') throw new UsageError({ field: '--markdown' }, 'expected a file name');
}

/**
 * Loads and validates every scenario (bad input fails before anything runs or is written), then runs them one by
 * one with a progress display, printing each table and writing the reports after each scenario.
 */
async function runScenarios(
  args: RunArgs & { expectedMs?: ReadonlyMap<string, number>; onlyNames?: ReadonlySet<string> },
  io: CliIo,
  argv: readonly string[],
): Promise<{ environment: EnvironmentInfo; results: ScenarioResult[]; writer: ReportWriter; progress: ProgressDisplay }> {
  const files = await findScenarioFiles(args.files, DEFAULT_SCENARIO_DIR);
  if (files.length === 0) throw new UsageError({ file: args.files.join(' ') || DEFAULT_SCENARIO_DIR }, 'no scenario files found');
  let scenarios = await loadScenarios(files, { quick: args.quick, seed: args.seed, filter: args.filter, repetitions: args.repetitions });
  if (args.onlyNames) scenarios = scenarios.filter((s) => args.onlyNames!.has(s.definition.name));
  if (scenarios.length === 0) {
    throw new UsageError({ field: args.onlyNames ? 'compare' : '--filter' }, args.onlyNames ? 'no scenario of the saved run is among the scenario files' : `no scenario name matches '${args.filter}'`);
  }

  const environment = describeEnvironment({ seed: args.seed, quick: args.quick, repetitions: args.repetitions, argv });
  const exporters: Exporter[] = [csvExporter, jsonExporter];
  if (args.markdown) exporters.push(markdownExporter(resolve(args.markdown)));
  const writer = new ReportWriter(resolve(args.out), environment, exporters);
  const progress = new ProgressDisplay(
    { write: io.err, isTTY: io.errIsTTY ?? false, columns: io.columns },
    { scenarioCount: scenarios.length, verbose: args.verbose, expectedMs: args.expectedMs },
  );
  const out = (text: string) => {
    progress.clear();
    io.out(text);
  };
  out(`${formatEnvironment(environment)}\n\n`);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      const result = await runScenario(scenario, { quick: args.quick, sweep: args.sweep, onEvent: (event) => progress.handle(event) });
      results.push(result);
      await writer.add(result);
      out(`${formatScenario(result)}\n`);
    }
  } finally {
    progress.stop();
  }
  return { environment, results, writer, progress };
}

/** Saves the run's report files (those in the report folder) as a baseline; refused when a scenario errored. */
async function saveRun(args: RunArgs, environment: EnvironmentInfo, results: readonly ScenarioResult[], writer: ReportWriter, io: CliIo): Promise<void> {
  if (!args.saveBaseline) return;
  const errored = results.filter((r) => r.status === 'errored');
  if (errored.length > 0) {
    io.err(`memopt: baseline '${args.saveBaseline}' not saved: ${errored.map((r) => r.name).join(', ')} errored\n`);
    return;
  }
  const inOut = writer.written().filter((file) => !relative(writer.outDir, file).startsWith('..') && !relative(writer.outDir, file).includes(sep));
  const saved = await saveBaseline({
    name: args.saveBaseline,
    baselinesDir: args.baselinesDir,
    files: inOut.filter((f) => !f.endsWith('comparison.csv')),
    run: { runId: environment.runId, gitCommit: environment.gitCommit },
  });
  io.out(`Baseline '${saved.name}' saved: ${saved.dir}\n`);
}

async function runCommand(argv: readonly string[], args: RunArgs, io: CliIo): Promise<number> {
  checkRunArgs(args);
  const { environment, results, writer } = await runScenarios(args, io, argv);
  const exitCode = exitCodeFor(results);
  await writer.finish({ exitCode });
  io.out(`${formatOutcome(results)}\nReports: ${writer.outDir}/summary.csv\n`);
  await saveRun(args, environment, results, writer, io);
  return exitCode;
}

interface CompareArgs extends Omit<RunArgs, 'out'> {
  saved: string;
  current?: string;
  out?: string;
}

async function compareCommand(argv: readonly string[], args: CompareArgs, io: CliIo): Promise<number> {
  checkRunArgs(args);
  const savedRef = await resolveRunRef(args.saved, args.baselinesDir);
  const saved: RunReport = await loadRunReport(savedRef.dir);

  if (args.current !== undefined) {
    // Two saved runs: nothing runs; targets are the current run's as recorded.
    const currentRef = await resolveRunRef(args.current, args.baselinesDir);
    const current = await loadRunReport(currentRef.dir);
    const comparison = compareRuns({ ref: savedRef.ref, report: saved }, { ref: currentRef.ref, report: current });
    const exitCode = comparisonExitCode(comparison, current.scenarios);
    io.out(formatComparison(comparison));
    if (args.out) {
      const file = resolve(args.out, 'comparison.csv');
      await writeFileAtomic(file, comparisonCsv(comparison));
      io.out(`Comparison: ${file}\n`);
    }
    if (args.markdown) await writeFileAtomic(resolve(args.markdown), renderMarkdown({ environment: current.environment, scenarios: current.scenarios, comparison, exitCode }));
    io.out(`exit code ${exitCode}\n`);
    return exitCode;
  }

  // One saved run: run the scenarios now, with the saved run's quick mode and seed, and compare.
  if (saved.environment.quick !== args.quick) {
    throw new UsageError({ field: '--quick' }, `baseline '${savedRef.ref}' was ${saved.environment.quick ? '' : 'not '}run with --quick; run compare ${saved.environment.quick ? 'with' : 'without'} --quick`);
  }
  const savedSeed = saved.environment.seed === 'per-scenario' ? undefined : saved.environment.seed;
  if (savedSeed !== args.seed) {
    throw new UsageError({ field: '--seed' }, `baseline '${savedRef.ref}' was run with ${savedSeed === undefined ? "each scenario's own seed" : `--seed ${savedSeed}`}; use the same`);
  }
  const onlyNames = args.filter || args.files.length > 0 ? undefined : new Set(saved.scenarios.map((s) => s.name));
  const expectedMs = new Map(saved.scenarios.map((s) => [s.name, s.durationMs ?? 0]));
  const runArgs: RunArgs = { ...args, out: args.out ?? 'reports' };
  const { results, writer, environment } = await runScenarios({ ...runArgs, onlyNames, expectedMs }, io, argv);
  const current: RunReport = { environment, scenarios: results };
  const comparison: RunComparison = compareRuns({ ref: savedRef.ref, report: saved }, { ref: 'current run', report: current });
  const exitCode = comparisonExitCode(comparison, results);
  await writer.finish({ comparison, exitCode });
  io.out(formatComparison(comparison));
  io.out(`${formatOutcome(results)}\nReports: ${writer.outDir}/summary.csv, ${writer.outDir}/comparison.csv\nexit code ${exitCode}\n`);
  await saveRun(runArgs, environment, results, writer, io);
  return exitCode;
}

async function reportCommand(args: { dir: string; out?: string }, io: CliIo): Promise<number> {
  const result = await renderCharts({ dir: resolve(args.dir), out: resolve(args.out ?? args.dir) });
  for (const chart of result.charts) io.out(`chart: ${chart.file}  (${chart.title})\n`);
  for (const skipped of result.skipped) io.out(`skipped: ${skipped}\n`);
  io.out(`Report: ${result.html}\n`);
  return ExitCode.ok;
}

async function listCommand(paths: string[], io: CliIo): Promise<number> {
  const files = await findScenarioFiles(paths, DEFAULT_SCENARIO_DIR);
  const scenarios = await loadScenarios(files, { quick: false });
  for (const s of scenarios) {
    const d = s.definition;
    io.out(`${d.name}  [${d.driver.name}]  ${d.baseline.label} vs ${d.optimized.label}\n  ${d.description}\n`);
    for (const target of s.targets) io.out(`  target: ${describeTarget(target)}\n`);
    if (s.sweep) io.out(`  sweep: ${s.sweep.side}.${s.sweep.param} over ${s.sweep.values.join(', ')}\n`);
    io.out('\n');
  }
  return ExitCode.ok;
}
