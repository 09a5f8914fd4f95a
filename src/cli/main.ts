import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { comparedMetricCount, compareRuns, inputChanges } from '../compare/compare.ts';
import { comparisonExitCode } from '../compare/gate.ts';
import type { RunComparison } from '../compare/types.ts';
import { ExitCode, MemoptError, UsageError } from '../errors.ts';
import { MOCK_MODEL_VERSION } from '../endpoint/models/mock-model.ts';
import { DEFAULT_API_KEY_ENV } from '../endpoint/url-endpoint.ts';
import { MAX_SEED, type ValidatedScenario } from '../harness/scenario-schema.ts';
import { DEFAULT_DURATIONS_FILE, parseShard } from '../harness/shard.ts';
import { findScenarioFiles, loadScenarios } from '../harness/loader.ts';
import { mergeShardRuns, type ShardRun } from '../harness/shard-merge.ts';
import { exitCodeFor } from '../harness/runner.ts';
import { ENDPOINT_KINDS, endpointKindOf } from '../harness/scenario-endpoint.ts';
import type { EnvironmentInfo, RunReport, ScenarioResult } from '../harness/types.ts';
import { renderCharts } from '../report/charts/render.ts';
import { formatComparison, formatEnvironment, formatOutcome, formatScenario } from '../report/console.ts';
import { comparisonCsv, csvExporter, jsonExporter } from '../report/csv.ts';
import type { Exporter } from '../report/exporter.ts';
import { markdownExporter, renderMarkdown } from '../report/markdown.ts';
import { ProgressDisplay } from '../report/progress.ts';
import { checkOutputFile, checkOutputFolder } from '../report/output-check.ts';
import { ReportWriter } from '../report/report-writer.ts';
import { checkBaselineName, checkComplete, createRunFolder, DEFAULT_BASELINES_DIR, LAST_POINTER, loadRunReport, resolveRunFolder, resolveRunRef, writeReportFiles } from '../runs/index.ts';
import { checkSuiteOptions, DEFAULT_SCENARIO_DIR, runSuite, saveWrittenRun, SIGNAL_EXIT_CODES, type RunSuiteOptions, type SuiteEndpoint, type SuiteMessage } from '../suite/run-suite.ts';
import { describeMetrics, describeTarget } from './describe.ts';
import { describeStarter, writeStarter } from './init.ts';
import { baselineScenarioFiles } from './baseline-scenarios.ts';
import { serveCommand, serveOptions } from './serve.ts';
import { POSTGRES_RUN_OPTIONS, runPostgresFrom } from './postgres-option.ts';
import { redactArgv, redactingWriter } from '../util/redact.ts';
import type { ReportFilesWriter } from '../runs/files.ts';

export { SIGNAL_EXIT_CODES };


export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal: progress is a live status line there, else one line per finished step. Default false. */
  errIsTTY?: boolean;
  /** Terminal width for the status line. */
  columns?: number;
  /** Where SIGINT and SIGTERM arrive while a run is in progress (default: the process). */
  signals?: SignalSource;
  /** How a run's report files are written (default writeReportFiles; tests inject one failing as a full disk). */
  writeFiles?: ReportFilesWriter;
}

/** The part of `process` a run listens on for SIGINT and SIGTERM (an EventEmitter in tests). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns,
  signals: process,
};

/** Options shared by `run` and `compare NAME` (which runs the scenarios too). */
function runOptions<T>(y: Argv<T>) {
  return y
    .option('quick', { type: 'boolean', default: false, describe: 'Smaller workloads and fewer repetitions (for CI)' })
    .option('filter', { type: 'string', describe: 'Only scenarios whose name contains this text, or matches /regex/' })
    .option('seed', { type: 'string', describe: "Seed for every scenario, an integer from 0 to 2^32 - 1 (default: each scenario's own, else 42)" })
    .option('repetitions', { type: 'string', describe: "Interleaved pairs per scenario, replacing each scenario's own count (more gives timings a real test)" })
    .option('sweep', { type: 'boolean', default: true, describe: 'Run the param sweeps scenarios declare (--no-sweep skips them)' })
    .option('trace', { type: 'string', describe: "Replay this agent-memory trace (JSONL: add/update/delete/search) through the stacks of the selected memory-replay scenarios, in place of their own trace; other scenarios are left out" })
    .option('save-baseline', { type: 'string', describe: 'Also save this run as a baseline of this name (for memopt compare NAME)' })
    .option('baselines-dir', { type: 'string', default: DEFAULT_BASELINES_DIR, describe: 'Folder of saved baselines' })
    .option('markdown', { type: 'string', describe: 'Also write a Markdown summary to this file (CI job summary, PR comment)' })
    .option('allow-incomplete', { type: 'boolean', default: false, describe: 'Use (compare, save as a baseline) a run that did not complete: interrupted, failed or still running' })
    .option('verbose', { type: 'boolean', default: false, describe: "Print the drivers' progress lines too" })
    .option('endpoint-kind', {
      type: 'string',
      choices: [...ENDPOINT_KINDS, 'mock'],
      // The test suite sets MEMOPT_ENDPOINT_KIND=in-process (vitest.config.ts): unit tests keep the emulated API in process.
      default: process.env.MEMOPT_ENDPOINT_KIND ?? 'server',
      describe: "What the scenarios talk to: 'server' (memopt's server over HTTP in a child process, one per scenario) or 'in-process' (the emulated API in this process, whose CPU counts as the client's; 'mock' is its old name)",
    })
    .option('endpoint', { type: 'string', describe: 'Run the scenarios that call the API (ingest, search-trace, parallel-api) against this OpenAI-compatible base URL (e.g. http://127.0.0.1:8000/v1) instead of memopt\'s server' })
    .option('model', { type: 'string', describe: "With --endpoint: the model, replacing the scenarios' own" })
    .option('dimensions', { type: 'number', describe: "With --endpoint: the dimensions parameter, replacing the scenarios' own" })
    .option('api-key-env', { type: 'string', default: DEFAULT_API_KEY_ENV, describe: "With --endpoint: the environment variable holding the API key ('none': send no key)" })
    .option('header', { type: 'string', array: true, describe: 'With --endpoint: an extra request header K=V (e.g. api-key=...); the value is never written anywhere' })
    .option('query', { type: 'string', array: true, describe: 'With --endpoint: an extra query parameter K=V (e.g. api-version=2024-10-21); the value is never written anywhere' })
    .option('max-cost-usd', { type: 'number', describe: 'With --endpoint: the most this run may cost (required for an endpoint not on this machine); a larger bound is refused' })
    .option('price-per-million-tokens', { type: 'number', describe: 'With --endpoint: USD per million tokens, for a model without a known list price' })
    .option('dry-run', { type: 'boolean', default: false, describe: "With --endpoint: print each scenario's cost bound and stop" })
    .options(POSTGRES_RUN_OPTIONS);
}

/** `K=V` options (--header, --query) as a record; a malformed one is a usage error naming the flag. */
function keyValues(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const at = item.indexOf('=');
    // The value is never echoed: it may be a secret.
    if (at <= 0) throw new UsageError({ field: flag }, 'expected K=V (a name, =, a value)');
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/**
 * An integer option given as text (--seed, --repetitions): no value, or not a number, is a usage error that says
 * what was expected (yargs would pass NaN, or drop a bare flag silently).
 */
function integerOption(value: string | undefined, flag: string, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  const expected = `expected an integer from ${range.min} to ${range.max}`;
  if (value.trim() === '') throw new UsageError({ field: flag }, `${expected}, found no value (write ${flag} N)`);
  const number = Number(value);
  if (Number.isNaN(number)) throw new UsageError({ field: flag }, `${expected}, found '${value}'`);
  if (!Number.isInteger(number) || number < range.min || number > range.max) throw new UsageError({ field: flag }, `${expected}, found ${number}`);
  return number;
}

/** The parsed options `runOptions` declares, as `run` and `compare` pass them on. */
function sharedRunArgs(args: {
  quick: boolean;
  filter?: string;
  seed?: string;
  repetitions?: string;
  sweep: boolean;
  'save-baseline'?: string;
  'baselines-dir': string;
  markdown?: string;
  'allow-incomplete': boolean;
  verbose: boolean;
  'endpoint-kind': string;
  endpoint?: string;
  model?: string;
  dimensions?: number;
  'api-key-env': string;
  header?: string[];
  query?: string[];
  'max-cost-usd'?: number;
  'price-per-million-tokens'?: number;
  'dry-run': boolean;
  'pg-env'?: string;
  'pg-url'?: string;
  trace?: string;
}): CliRunArgs {
  if (args.endpoint === undefined && (args.model !== undefined || args.dimensions !== undefined || args['dry-run'] || args['max-cost-usd'] !== undefined)) {
    throw new UsageError({ field: '--endpoint' }, '--model, --dimensions, --max-cost-usd and --dry-run apply to a run with --endpoint URL');
  }
  const endpoint: SuiteEndpoint =
    args.endpoint === undefined
      ? { kind: endpointKindOf(args['endpoint-kind'])! }
      : {
          kind: 'url',
          baseURL: args.endpoint,
          apiKeyEnv: args['api-key-env'] === 'none' ? null : args['api-key-env'],
          headers: keyValues(args.header, '--header'),
          query: keyValues(args.query, '--query'),
          model: args.model,
          dimensions: args.dimensions,
          maxCostUsd: args['max-cost-usd'],
          pricePerMillionTokens: args['price-per-million-tokens'],
          dryRun: args['dry-run'],
        };
  return {
    quick: args.quick,
    filter: args.filter,
    seed: integerOption(args.seed, '--seed', { min: 0, max: MAX_SEED }),
    repetitions: integerOption(args.repetitions, '--repetitions', { min: 1, max: 50 }),
    sweep: args.sweep,
    saveBaseline: args['save-baseline'],
    baselinesDir: args['baselines-dir'],
    markdown: args.markdown,
    allowIncomplete: args['allow-incomplete'],
    verbose: args.verbose,
    endpoint,
    postgres: runPostgresFrom(args),
    ...(args.trace !== undefined ? { trace: args.trace } : {}),
  };
}

/** Runs the CLI and returns the exit code (0 met, 1 target missed or regression, 2 bad input, 3 run failed). */
export async function main(argv: readonly string[], cliIo: CliIo = defaultIo): Promise<number> {
  // Everything printed passes the redaction of known secrets (util/redact.ts), as every written file does.
  const io: CliIo = { ...cliIo, out: redactingWriter(cliIo.out), err: redactingWriter(cliIo.err) };
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
        runOptions(y.positional('files', { type: 'string', array: true, describe: 'Scenario files or folders' }))
          .option('out', {
            type: 'string',
            default: 'reports',
            describe: 'Reports root: the run writes into <out>/runs/<time>-<id>/; <out>/latest names the last complete run',
          })
          .option('shard', { type: 'string', describe: 'Run only share i of n of the selected scenarios (e.g. 1/2): the same split on every machine' })
          .option('durations', {
            type: 'string',
            describe: `With --shard: a committed duration file (scenario -> seconds) to balance the shards by, or 'none' to deal by count (default: ${DEFAULT_DURATIONS_FILE} if it exists)`,
          }),
      async (args) => {
        exitCode = await runCommand(
          argv,
          {
            ...sharedRunArgs(args),
            scenarios: args.files ?? [],
            out: args.out,
            shard: args.shard === undefined ? undefined : parseShard(args.shard),
            durations: args.durations,
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
          .option('allow-changed-inputs', { type: 'boolean', default: false, describe: 'Compare even when input files (datasets, traces) or the mock model version differ' })
          .option('out', { type: 'string', describe: 'When running: the reports root (default reports/); with two runs: the folder for comparison.csv' }),
      async (args) => {
        exitCode = await compareCommand(
          argv,
          {
            saved: args.saved,
            current: args.current,
            ...sharedRunArgs(args),
            scenarios: args.scenarios ?? [],
            out: args.out,
            allowChangedInputs: args['allow-changed-inputs'],
          },
          io,
        );
      },
    )
    .command(
      'merge <dirs..>',
      "Merge the run folders of `run --shard i/n` into one complete run: summary, detail tables, run.json with each shard's manifest, and the exit code the unsharded run would have given",
      (y) =>
        y
          .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'Shard run folders, or reports roots (their last run) or pointer files' })
          .option('out', { type: 'string', default: 'reports', describe: 'Reports root: the merged run writes into <out>/runs/<time>-<id>/ and moves <out>/latest to it' })
          .option('markdown', { type: 'string', describe: 'Also write a Markdown summary to this file (CI job summary, PR comment)' })
          .option('save-baseline', { type: 'string', describe: 'Also save the merged run as a baseline of this name (for memopt compare NAME)' })
          .option('baselines-dir', { type: 'string', default: DEFAULT_BASELINES_DIR, describe: 'Folder of saved baselines' }),
      async (args) => {
        exitCode = await mergeCommand(
          argv,
          { dirs: args.dirs ?? [], out: args.out, markdown: args.markdown, saveBaseline: args['save-baseline'], baselinesDir: args['baselines-dir'] },
          io,
        );
      },
    )
    .command(
      'report [dir]',
      'Render SVG charts and a self-contained HTML page from a report folder (sweeps, curves, bounds)',
      (y) =>
        y
          .positional('dir', { type: 'string', default: 'reports', describe: 'A run folder, a reports root (its latest complete run) or a pointer file (reports/last)' })
          .option('out', { type: 'string', describe: 'Where to write charts/ and report.html (default: the run folder)' })
          .option('allow-incomplete', { type: 'boolean', default: false, describe: 'Draw a run that did not complete (interrupted, failed)' }),
      async (args) => {
        exitCode = await reportCommand({ dir: args.dir, out: args.out, allowIncomplete: args['allow-incomplete'] }, io);
      },
    )
    .command(
      'list [files..]',
      'List scenarios with their workload driver and targets',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: 'Scenario files or folders' })
          .option('metrics', { type: 'boolean', default: false, describe: "Each driver's metrics: unit, class, which way is better, what it measures" }),
      async (args) => {
        exitCode = await listCommand(args.files ?? [], io, { metrics: args.metrics });
      },
    )
    .command(
      'init [dir]',
      'Write a starter into a project: scenarios/own-index.ts (your own part), scenarios/stack.ts (memopt\'s parts by params) and .github/workflows/memopt.yml; never overwrites a file',
      (y) => y.positional('dir', { type: 'string', default: '.', describe: "The project's folder" }),
      async (args) => {
        io.out(describeStarter(args.dir, await writeStarter(args.dir)));
        exitCode = ExitCode.ok;
      },
    )
    .command(
      'serve',
      'Serve the mocked OpenAI embeddings API over real HTTP (POST /v1/embeddings, GET /v1/models, GET /memopt/ledger) until Ctrl-C',
      (y) => serveOptions(y),
      async (args) => {
        exitCode = await serveCommand(args, { out: io.out, err: io.err });
      },
    )
    .demandCommand(1, 'Name a command: run, compare, merge, report, list or init (see --help)')
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

/** What `run` and `compare NAME` hand runSuite, plus the CLI's own display option. */
interface CliRunArgs extends Omit<RunSuiteOptions, 'onEvent' | 'onMessage' | 'onStart' | 'onResult' | 'signal' | 'argv'> {
  /** Print the drivers' progress lines too. */
  verbose: boolean;
  baselinesDir: string;
  allowIncomplete: boolean;
}

/**
 * Runs the suite with the CLI's display: a progress line (or one line per step) on stderr, each scenario's table
 * on stdout as it is written, and SIGINT / SIGTERM (watched from the first scenario on) turned into an abort.
 * Human lines that runSuite sends once the run is under way (the baseline saved) are printed after the outcome.
 */
async function runWithDisplay(
  argv: readonly string[],
  args: CliRunArgs,
  io: CliIo,
  extra: Pick<RunSuiteOptions, 'expectedMs' | 'only' | 'preflight' | 'conclude'> = {},
): Promise<{ outcome: Awaited<ReturnType<typeof runSuite>>; results: ScenarioResult[]; printMessages(): void }> {
  const { verbose, ...options } = args;
  const controller = new AbortController();
  let progress: ProgressDisplay | null = null;
  let running = '';
  let signalName = '';
  let started = false;
  const deferred: SuiteMessage[] = [];
  const results: ScenarioResult[] = [];
  const print = (message: SuiteMessage) => (message.level === 'warning' ? io.err(`memopt: ${message.text}\n`) : io.out(`${message.text}\n`));
  const out = (text: string) => {
    progress?.clear();
    io.out(text);
  };
  const listeners = (Object.keys(SIGNAL_EXIT_CODES) as Array<keyof typeof SIGNAL_EXIT_CODES>).map((signal) => {
    const listener = () => {
      signalName ||= signal;
      controller.abort(signal);
    };
    return [signal, listener] as const;
  });
  try {
    const outcome = await runSuite({
      ...options,
      ...extra,
      writeFiles: io.writeFiles,
      argv: redactArgv(argv),
      signal: controller.signal,
      onMessage: (message) => (started ? deferred.push(message) : print(message)),
      onStart: ({ environment, runFolder, scenarios }) => {
        started = true;
        progress = new ProgressDisplay(
          { write: io.err, isTTY: io.errIsTTY ?? false, columns: io.columns },
          { scenarioCount: scenarios.length, verbose, expectedMs: extra.expectedMs },
        );
        out(`${formatEnvironment(environment)}\nRun folder: ${runFolder}\n\n`);
        // While a run is in progress neither signal kills the process: each ends the run as interrupted.
        for (const [signal, listener] of listeners) io.signals?.on(signal, listener);
      },
      onEvent: (event) => {
        if (event.type === 'scenario-start') running = event.scenario;
        progress?.handle(event);
      },
      onResult: (result) => {
        results.push(result);
        out(`${formatScenario(result, { verbose })}\n`);
      },
    });
    (progress as ProgressDisplay | null)?.stop();
    if (outcome.status === 'interrupted') {
      io.err(`memopt: ${signalName || 'abort'}: run interrupted during ${running}; ${results.length} scenario(s) recorded in ${outcome.runFolder} (status interrupted)\n`);
    }
    return { outcome, results, printMessages: () => deferred.forEach(print) };
  } finally {
    (progress as ProgressDisplay | null)?.stop();
    for (const [signal, listener] of listeners) io.signals?.off(signal, listener);
  }
}

async function runCommand(argv: readonly string[], args: CliRunArgs, io: CliIo): Promise<number> {
  const { outcome, results, printMessages } = await runWithDisplay(argv, args, io);
  if (outcome.status === 'dry-run') return ExitCode.ok; // the bounds are printed, nothing was sent
  if (outcome.status !== 'interrupted') io.out(`${formatOutcome(results)}\nReports: ${outcome.runFolder}/summary.csv\n`);
  printMessages();
  return outcome.exitCode;
}

interface CompareArgs extends CliRunArgs {
  saved: string;
  current?: string;
  out?: string;
  allowChangedInputs: boolean;
}

/** Loads a run to compare; refuses one that did not complete unless --allow-incomplete. */
async function loadComparable(ref: string, args: CompareArgs): Promise<{ ref: string; report: RunReport }> {
  const found = await resolveRunRef(ref, args.baselinesDir);
  const report = await loadRunReport(found.dir);
  checkComplete(report, join(found.dir, 'run.json'), { allowIncomplete: args.allowIncomplete });
  return { ref: found.ref, report };
}

/** Refuses runs whose inputs or mock model differ (their counters differ for that alone) unless told otherwise. */
function checkSameInputs(changes: string[], args: CompareArgs): void {
  if (changes.length === 0 || args.allowChangedInputs) return;
  const shown = changes.slice(0, 5).join('; ') + (changes.length > 5 ? `; and ${changes.length - 5} more` : '');
  throw new UsageError({ field: 'compare' }, `the runs read different inputs: ${shown}; pass --allow-changed-inputs to compare them anyway`);
}

/** Comparing runs that share no metric says nothing: bad input (exit 2), not "0 regressions". */
function checkSomethingCompared(comparison: RunComparison): void {
  if (comparedMetricCount(comparison) > 0 || comparison.scenarios.some((s) => s.status === 'errored' || s.status === 'not-comparable')) return;
  const saved = comparison.scenarios.filter((s) => s.status === 'only-saved').map((s) => s.name);
  const current = comparison.scenarios.filter((s) => s.status === 'only-current').map((s) => s.name);
  throw new UsageError(
    { field: 'compare' },
    `the runs have no metric in common (saved run: ${saved.join(', ') || 'no other scenario'}; current run: ${current.join(', ') || 'no other scenario'})`,
  );
}

function mockVersionAndInputs(report: RunReport) {
  return { mockModelVersion: report.environment.mockModelVersion, scenarios: report.scenarios.map((s) => ({ name: s.name, inputs: s.manifest?.inputs })) };
}

async function compareCommand(argv: readonly string[], args: CompareArgs, io: CliIo): Promise<number> {
  checkSuiteOptions(args);
  const saved = await loadComparable(args.saved, args);

  if (args.current !== undefined) {
    // Two saved runs: nothing runs; targets are the current run's as recorded.
    // Options that shape a run would be ignored here: refused, so nobody reads the comparison as made with them.
    const runOnly = (['seed', 'quick', 'repetitions'] as const).filter((option) => (option === 'quick' ? args.quick : args[option] !== undefined));
    if (runOnly.length > 0) {
      throw new UsageError({ field: `--${runOnly[0]}` }, `compare of two saved runs runs nothing, so ${runOnly.map((o) => `--${o}`).join(', ')} would be ignored: each run's own are recorded; drop ${runOnly.length > 1 ? 'them' : 'it'}`);
    }
    const current = await loadComparable(args.current, args);
    if (args.out) await checkOutputFolder(args.out, '--out');
    if (args.markdown) await checkOutputFile(args.markdown, '--markdown');
    checkSameInputs(inputChanges(mockVersionAndInputs(saved.report), mockVersionAndInputs(current.report)), args);
    const comparison = compareRuns(saved, current);
    checkSomethingCompared(comparison);
    const exitCode = comparisonExitCode(comparison, current.report.scenarios);
    io.out(formatComparison(comparison));
    if (args.out) {
      const [file] = await writeReportFiles(resolve(args.out), [{ name: 'comparison.csv', contents: comparisonCsv(comparison) }]);
      io.out(`Comparison: ${file}\n`);
    }
    if (args.markdown) {
      const markdown = renderMarkdown({ environment: current.report.environment, scenarios: current.report.scenarios, comparison, exitCode });
      await writeReportFiles(process.cwd(), [{ name: resolve(args.markdown), contents: markdown }]);
    }
    io.out(`exit code ${exitCode}\n`);
    return exitCode;
  }

  // One saved run: run the scenarios now, with the saved run's quick mode and seed, and compare.
  const savedEnv = saved.report.environment;
  if (savedEnv.quick !== args.quick) {
    throw new UsageError({ field: '--quick' }, `baseline '${saved.ref}' was ${savedEnv.quick ? '' : 'not '}run with --quick; run compare ${savedEnv.quick ? 'with' : 'without'} --quick`);
  }
  const savedSeed = savedEnv.seed === 'per-scenario' ? undefined : savedEnv.seed;
  if (savedSeed !== args.seed) {
    throw new UsageError({ field: '--seed' }, `baseline '${saved.ref}' was run with ${savedSeed === undefined ? "each scenario's own seed" : `--seed ${savedSeed}`}; use the same`);
  }
  const only = args.filter || (args.scenarios?.length ?? 0) > 0 ? undefined : new Set(saved.report.scenarios.map((s) => s.name));
  // No files named: the files the baseline ran, and a line saying which.
  if ((args.scenarios?.length ?? 0) === 0) {
    const fromBaseline = baselineScenarioFiles(saved.report, saved.ref);
    io.out(`compare: ${fromBaseline.note}\n`);
    if (fromBaseline.files) args = { ...args, scenarios: fromBaseline.files };
  }
  const expectedMs = new Map(saved.report.scenarios.map((s) => [s.name, s.durationMs ?? 0]));
  const endpoint = args.endpoint?.kind === 'url' ? { ...args.endpoint, dryRun: false } : args.endpoint;
  // The inputs are read and hashed before anything runs, so a changed dataset is refused before minutes are spent.
  const preflight = (scenarios: readonly ValidatedScenario[]) =>
    checkSameInputs(
      inputChanges(mockVersionAndInputs(saved.report), { mockModelVersion: MOCK_MODEL_VERSION, scenarios: scenarios.map((s) => ({ name: s.definition.name, inputs: s.inputs })) }),
      args,
    );
  let noMetricInCommon = false;
  const conclude = ({ environment, results }: { environment: EnvironmentInfo; results: readonly ScenarioResult[] }) => {
    const current: RunReport = { environment, scenarios: [...results] };
    const comparison: RunComparison = compareRuns(saved, { ref: 'current run', report: current });
    noMetricInCommon = comparedMetricCount(comparison) === 0;
    const exitCode = noMetricInCommon && exitCodeFor(results) === ExitCode.ok ? ExitCode.badInput : comparisonExitCode(comparison, results);
    return { exitCode, comparison };
  };
  const { outcome, results, printMessages } = await runWithDisplay(argv, { ...args, endpoint, out: args.out ?? 'reports' }, io, { only, expectedMs, preflight, conclude });
  if (outcome.status === 'interrupted' || !outcome.comparison) return outcome.exitCode;
  io.out(formatComparison(outcome.comparison));
  if (outcome.exitCode === ExitCode.badInput && noMetricInCommon) io.err('memopt: compare: the runs have no metric in common\n');
  io.out(`${formatOutcome(results)}\nReports: ${outcome.runFolder}/summary.csv, ${outcome.runFolder}/comparison.csv\nexit code ${outcome.exitCode}\n`);
  printMessages();
  return outcome.exitCode;
}

interface MergeArgs {
  dirs: string[];
  out: string;
  markdown?: string;
  saveBaseline?: string;
  baselinesDir: string;
}

/** A shard's run folder: a run folder, a pointer file, or a reports root's `last` run (so an unfinished shard is named). */
async function resolveShardFolder(path: string): Promise<string> {
  const full = resolve(path);
  if (!existsSync(join(full, 'run.json')) && existsSync(join(full, LAST_POINTER))) return resolveRunFolder(join(full, LAST_POINTER), 'merge');
  return resolveRunFolder(path, 'merge');
}

/**
 * `memopt merge`: checks the shard runs belong together (see mergeShardRuns), then writes the merged run through
 * the one report writer, as a run would, and ends with the exit code the unsharded run would have given.
 */
async function mergeCommand(argv: readonly string[], args: MergeArgs, io: CliIo): Promise<number> {
  if (args.saveBaseline !== undefined) checkBaselineName(args.saveBaseline);
  if (args.markdown !== undefined && args.markdown.trim() === '') throw new UsageError({ field: '--markdown' }, 'expected a file name');
  const shards: ShardRun[] = [];
  for (const path of args.dirs) {
    const dir = await resolveShardFolder(path);
    shards.push({ dir, report: await loadRunReport(dir) });
  }
  const merged = mergeShardRuns(shards);
  await checkOutputFolder(args.out, '--out');
  if (args.markdown) await checkOutputFile(args.markdown, '--markdown');
  if (args.saveBaseline !== undefined) await checkOutputFolder(args.baselinesDir, '--baselines-dir');
  const environment: EnvironmentInfo = { ...merged.environment, argv: redactArgv(argv) };
  const exporters: Exporter[] = [csvExporter, jsonExporter];
  if (args.markdown) exporters.push(markdownExporter(resolve(args.markdown)));
  const root = resolve(args.out);
  const writer = new ReportWriter(await createRunFolder(root, environment), environment, exporters, root, {
    writeFiles: io.writeFiles,
    onWriteFailure: (message) => io.err(`memopt: ${message}\n`),
  });
  await writer.start();
  for (const result of merged.results) await writer.add(result);
  await writer.finish({ exitCode: merged.exitCode });
  io.out(`Merged ${shards.length} shard(s), ${merged.results.length} scenario(s): ${writer.outDir}\n\n`);
  for (const result of merged.results) io.out(`${formatScenario(result)}\n`);
  io.out(`${formatOutcome(merged.results)}\nReports: ${writer.outDir}/summary.csv\n`);
  if (args.saveBaseline) {
    await saveWrittenRun({ name: args.saveBaseline, baselinesDir: args.baselinesDir, allowIncomplete: false }, environment, writer, (m) =>
      m.level === 'warning' ? io.err(`memopt: ${m.text}\n`) : io.out(`${m.text}\n`),
    );
  }
  return writer.endExitCode()!; // 3 when a report could not be written
}

async function reportCommand(args: { dir: string; out?: string; allowIncomplete: boolean }, io: CliIo): Promise<number> {
  const dir = await resolveRunFolder(args.dir, 'report');
  checkComplete(await loadRunReport(dir), join(dir, 'run.json'), { allowIncomplete: args.allowIncomplete });
  if (args.out) await checkOutputFolder(args.out, '--out');
  const result = await renderCharts({ dir, out: resolve(args.out ?? dir) });
  for (const chart of result.charts) io.out(`chart: ${chart.file}  (${chart.title})\n`);
  for (const skipped of result.skipped) io.out(`skipped: ${skipped}\n`);
  io.out(`Report: ${result.html}\n`);
  return ExitCode.ok;
}

async function listCommand(paths: string[], io: CliIo, options: { metrics?: boolean } = {}): Promise<number> {
  const files = await findScenarioFiles(paths, DEFAULT_SCENARIO_DIR);
  const scenarios = await loadScenarios(files, { quick: false });
  if (options.metrics) {
    io.out(describeMetrics(scenarios));
    return ExitCode.ok;
  }
  for (const s of scenarios) {
    const d = s.definition;
    io.out(`${d.name}  [${d.driver.name}]  ${d.baseline.label} vs ${d.optimized.label}\n  ${d.description}\n`);
    for (const target of s.targets) io.out(`  target: ${describeTarget(target)}\n`);
    if (s.targets.length === 0) io.out('  no target: measures only\n');
    if (s.sweep) io.out(`  sweep: ${s.sweep.side}.${s.sweep.param} over ${s.sweep.values.join(', ')}\n`);
    io.out('\n');
  }
  return ExitCode.ok;
}
