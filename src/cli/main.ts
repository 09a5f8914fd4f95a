import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { checkBaselineName, DEFAULT_BASELINES_DIR, loadRunReport, resolveRunRef, saveBaseline } from '../compare/baselines.ts';
import { comparedMetricCount, compareRuns, inputChanges } from '../compare/compare.ts';
import { comparisonExitCode } from '../compare/gate.ts';
import type { RunComparison } from '../compare/types.ts';
import { ExitCode, MemoptError, UsageError } from '../errors.ts';
import { MOCK_MODEL_VERSION } from '../endpoint/mock/embedding-model.ts';
import { describeEnvironment } from '../harness/environment.ts';
import { checkInputs } from '../harness/inputs.ts';
import { MAX_SEED, type ValidatedScenario } from '../harness/scenario-schema.ts';
import { DEFAULT_DURATIONS_FILE, loadDurations, parseShard, planShards, type ScenarioDurations, type ShardSpec } from '../harness/shard.ts';
import { findScenarioFiles, loadScenarios } from '../harness/loader.ts';
import { mergeShardRuns, type ShardRun } from '../harness/shard-merge.ts';
import { exitCodeFor, runScenario } from '../harness/runner.ts';
import { ENDPOINT_KINDS, openScenarioEndpoints, type EndpointChoice, type EndpointKind, type ScenarioEndpoints } from '../harness/scenario-endpoint.ts';
import { createUrlEndpoint, DEFAULT_API_KEY_ENV, type UrlEndpointOptions } from '../endpoint/url-endpoint.ts';
import { PRICE_TABLE_USD_PER_MILLION_TOKENS } from '../endpoint/cost-guard.ts';
import { costBounds, guardCost, prepareForUrlEndpoint, type EndpointGuardArgs } from './endpoint-guard.ts';
import type { MockApiConfigInput } from '../endpoint/mock/types.ts';
import type { EnvironmentInfo, RunReport, ScenarioResult, ShardInfo } from '../harness/types.ts';
import { renderCharts } from '../report/charts/render.ts';
import { formatComparison, formatEnvironment, formatOutcome, formatScenario } from '../report/console.ts';
import { comparisonCsv, csvExporter, jsonExporter } from '../report/csv.ts';
import type { Exporter } from '../report/exporter.ts';
import { markdownExporter, renderMarkdown } from '../report/markdown.ts';
import { ProgressDisplay } from '../report/progress.ts';
import { checkOutputFile, checkOutputFolder } from '../report/output-check.ts';
import { LAST_POINTER, ReportWriter, writeReportFiles, type ReportFilesWriter } from '../report/report-writer.ts';
import { checkComplete, createRunFolder, resolveRunFolder } from '../report/run-folder.ts';
import { describeTarget } from './describe.ts';
import { serveCommand, serveOptions } from './serve.ts';
import { POSTGRES_RUN_OPTIONS, runPostgresFrom, useRunPostgres } from './postgres-option.ts';
import { redactArgv, redactingWriter } from '../util/redact.ts';
import type { RunPostgres } from '../parts/vector-store/database.ts';

const DEFAULT_SCENARIO_DIR = 'scenarios';

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

/** Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

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
    .option('allow-incomplete', { type: 'boolean', default: false, describe: 'Use (compare, save as a baseline) a run that did not complete: interrupted, failed or still running' })
    .option('verbose', { type: 'boolean', default: false, describe: "Print the drivers' progress lines too" })
    .option('endpoint-kind', {
      type: 'string',
      choices: ENDPOINT_KINDS,
      // The test suite sets MEMOPT_ENDPOINT_KIND=mock (vitest.config.ts): unit tests keep the in-process mock.
      default: (process.env.MEMOPT_ENDPOINT_KIND as EndpointKind | undefined) ?? 'server',
      describe: "What the scenarios talk to: 'server' (memopt's server over HTTP in a child process, one per scenario) or 'mock' (the in-process msw mock, whose CPU counts as the client's)",
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
}): Omit<RunArgs, 'files' | 'out'> {
  const url = args.endpoint === undefined ? undefined : {
    options: {
      baseURL: args.endpoint,
      apiKeyEnv: args['api-key-env'] === 'none' ? null : args['api-key-env'],
      headers: keyValues(args.header, '--header'),
      query: keyValues(args.query, '--query'),
      // The client ledger's costUsd: list prices, and --price-per-million-tokens for --model.
      pricesUsdPerMillionTokens: {
        ...PRICE_TABLE_USD_PER_MILLION_TOKENS,
        ...(args.model !== undefined && args['price-per-million-tokens'] !== undefined ? { [args.model]: args['price-per-million-tokens'] } : {}),
      },
    },
    guard: { baseURL: args.endpoint, model: args.model, dimensions: args.dimensions, maxCostUsd: args['max-cost-usd'], pricePerMillionTokens: args['price-per-million-tokens'] },
  };
  if (!url && (args.model !== undefined || args.dimensions !== undefined || args['dry-run'] || args['max-cost-usd'] !== undefined)) {
    throw new UsageError({ field: '--endpoint' }, '--model, --dimensions, --max-cost-usd and --dry-run apply to a run with --endpoint URL');
  }
  return {
    quick: args.quick,
    filter: args.filter,
    seed: args.seed,
    repetitions: args.repetitions,
    sweep: args.sweep,
    saveBaseline: args['save-baseline'],
    baselinesDir: args['baselines-dir'],
    markdown: args.markdown,
    allowIncomplete: args['allow-incomplete'],
    verbose: args.verbose,
    endpointKind: args['endpoint-kind'] as EndpointKind,
    url,
    dryRun: args['dry-run'],
    postgres: runPostgresFrom(args),
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
            files: args.files ?? [],
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
            files: args.scenarios ?? [],
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
        exitCode = await serveCommand(args, { out: io.out, err: io.err });
      },
    )
    .demandCommand(1, 'Name a command: run, compare, merge, report or list (see --help)')
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
  allowIncomplete: boolean;
  verbose: boolean;
  /** What the scenarios talk to (scenario-endpoint.ts). */
  endpointKind: EndpointKind;
  /** `--endpoint URL`: a user's endpoint (replaces endpointKind) and its cost guard. */
  url?: { options: UrlEndpointOptions; guard: EndpointGuardArgs };
  /** With url: print the cost bounds and stop. */
  dryRun?: boolean;
  /** `run --shard i/n`: only this share of the selected scenarios. */
  shard?: ShardSpec;
  /** `--durations FILE|none`: the committed duration file that balances shards (default scenarios/durations.json if present). */
  durations?: string;
  /** `--pg-env NAME` / `--pg-url URL`: the Postgres of pgvector indexes that name none (postgres-option.ts). */
  postgres?: RunPostgres;
}

/** The duration file a sharded run balances by: the one named, none for 'none', else the default file if it exists. */
async function shardDurations(option: string | undefined): Promise<ScenarioDurations | undefined> {
  if (option === 'none') return undefined;
  if (option !== undefined) return loadDurations(option);
  return existsSync(DEFAULT_DURATIONS_FILE) ? loadDurations(DEFAULT_DURATIONS_FILE) : undefined;
}

function checkRunArgs(args: Omit<RunArgs, 'out'>): void {
  if (args.seed !== undefined && (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > MAX_SEED)) {
    throw new UsageError({ field: '--seed' }, `expected an integer from 0 to ${MAX_SEED}, found ${args.seed}`);
  }
  if (args.repetitions !== undefined && (!Number.isInteger(args.repetitions) || args.repetitions < 1 || args.repetitions > 50)) {
    throw new UsageError({ field: '--repetitions' }, `expected an integer from 1 to 50, found ${args.repetitions}`);
  }
  if (args.saveBaseline !== undefined) checkBaselineName(args.saveBaseline);
  if (args.markdown !== undefined && args.markdown.trim() === '') throw new UsageError({ field: '--markdown' }, 'expected a file name');
}

/** What a run of the scenarios ended with; `interruptedWith` is set (130 or 143) when a signal stopped it. */
interface ScenarioRun {
  environment: EnvironmentInfo;
  results: ScenarioResult[];
  writer: ReportWriter;
  interruptedWith?: number;
}

/**
 * Checks everything the run will read or write before the first scenario starts: every scenario in full and quick
 * form, every input file its driver declares (each line parsed), the reports root and the Markdown file; bad input
 * fails here (exit 2) with nothing run or written. Then the run gets its own folder, marked 'running', and the
 * scenarios run one by one with a progress display, their reports written after each. SIGINT or SIGTERM waits for
 * the write in progress, marks the run 'interrupted' and ends it with 130 or 143.
 */
async function runScenarios(
  args: RunArgs & {
    expectedMs?: ReadonlyMap<string, number>;
    onlyNames?: ReadonlySet<string>;
    /** A last check of the validated scenarios (inputs read and hashed) before anything runs; throw to refuse. */
    preflight?: (scenarios: readonly ValidatedScenario[]) => void;
  },
  io: CliIo,
  argv: readonly string[],
): Promise<ScenarioRun | null> {
  const files = await findScenarioFiles(args.files, DEFAULT_SCENARIO_DIR);
  if (files.length === 0) throw new UsageError({ file: args.files.join(' ') || DEFAULT_SCENARIO_DIR }, 'no scenario files found');
  let scenarios = await loadScenarios(files, { quick: args.quick, seed: args.seed, filter: args.filter, repetitions: args.repetitions });
  if (args.onlyNames) scenarios = scenarios.filter((s) => args.onlyNames!.has(s.definition.name));
  if (scenarios.length === 0) {
    throw new UsageError({ field: args.onlyNames ? 'compare' : '--filter' }, args.onlyNames ? 'no scenario of the saved run is among the scenario files' : `no scenario name matches '${args.filter}'`);
  }
  // Every selected scenario is validated and its inputs checked, on every shard too: each refuses the same bad input.
  await checkInputs(scenarios);
  await useRunPostgres(args.postgres);
  const selected = scenarios.map((s) => s.definition.name);
  let shardInfo: ShardInfo | null = null;
  if (args.shard) {
    const durations = await shardDurations(args.durations);
    const plan = planShards(selected, args.shard.count, durations);
    const mine = new Set(plan.shards[args.shard.index - 1]);
    shardInfo = {
      ...args.shard,
      scenarios: selected,
      assigned: [...mine],
      balance: plan.balance,
      inputs: scenarios.flatMap((s) => (s.inputs ?? []).map((i) => ({ scenario: s.definition.name, field: i.field, path: i.path, sha256: i.sha256 }))),
      seeds: Object.fromEntries(scenarios.map((s) => [s.definition.name, s.seed])),
    };
    scenarios = scenarios.filter((s) => mine.has(s.definition.name));
  }
  await checkOutputFolder(args.out, '--out');
  if (args.markdown) await checkOutputFile(args.markdown, '--markdown');
  args.preflight?.(scenarios);
  if (args.url) {
    // Before any request: which scenarios may run, and what they may cost at most (exit 2 when refused).
    await createUrlEndpoint(args.url.options).close(); // a bad URL or a missing key variable fails here (exit 2)
    prepareForUrlEndpoint(scenarios, args.url.guard);
    guardCost(await costBounds(scenarios, args.url.guard), args.url.guard, io.out);
    if (args.dryRun) return null;
  }
  const choice: EndpointChoice = args.url ? { kind: 'url', options: args.url.options } : { kind: args.endpointKind };
  if (choice.kind === 'mock') {
    // A real model runs only behind memopt's server: refused before anything runs (exit 2).
    const real = scenarios.find((s) => (s.definition.mock as { model?: string } | undefined)?.model !== undefined);
    if (real) throw new UsageError({ field: '--endpoint-kind' }, `scenario '${real.definition.name}' answers with a real model (mock.model), which only the 'server' endpoint kind serves`);
  }

  const environment = describeEnvironment({ seed: args.seed, quick: args.quick, repetitions: args.repetitions, argv });
  environment.shard = shardInfo;
  const exporters: Exporter[] = [csvExporter, jsonExporter];
  if (args.markdown) exporters.push(markdownExporter(resolve(args.markdown)));
  const root = resolve(args.out);
  const writer = new ReportWriter(await createRunFolder(root, environment), environment, exporters, root, {
    writeFiles: io.writeFiles,
    onWriteFailure: (message) => io.err(`memopt: ${message}\n`),
  });
  await writer.start();
  const progress = new ProgressDisplay(
    { write: io.err, isTTY: io.errIsTTY ?? false, columns: io.columns },
    { scenarioCount: scenarios.length, verbose: args.verbose, expectedMs: args.expectedMs },
  );
  const out = (text: string) => {
    progress.clear();
    io.out(text);
  };
  out(`${formatEnvironment(environment)}\nRun folder: ${writer.outDir}\n\n`);
  const signals = watchSignals(io.signals);
  const results: ScenarioResult[] = [];
  // The scenario's endpoints, kept here so a signal stops its server too (the runner closes them otherwise).
  let current: ScenarioEndpoints | null = null;
  const endpoints = (mockInput: MockApiConfigInput) => (current = openScenarioEndpoints(choice, mockInput));
  try {
    for (const scenario of scenarios) {
      const outcome = await Promise.race([
        runScenario(scenario, { quick: args.quick, sweep: args.sweep, endpoints, onEvent: (event) => progress.handle(event) }).then((result) => ({ result })),
        signals.received,
      ]);
      if (!('result' in outcome)) {
        progress.stop();
        await (current as ScenarioEndpoints | null)?.close();
        await writer.interrupt(outcome.exitCode);
        io.err(`memopt: ${outcome.signal}: run interrupted during ${scenario.definition.name}; ${results.length} scenario(s) recorded in ${writer.outDir} (status interrupted)\n`);
        return { environment, results, writer, interruptedWith: outcome.exitCode };
      }
      results.push(outcome.result);
      await writer.add(outcome.result);
      out(`${formatScenario(outcome.result)}\n`);
    }
  } catch (error) {
    // The run itself failed (not a scenario: a write, the harness): record it as failed, then report the error.
    await writer.finish({ exitCode: ExitCode.runFailed, status: 'failed' }).catch(() => undefined);
    throw error;
  } finally {
    progress.stop();
    signals.dispose();
  }
  return { environment, results, writer };
}

/** Resolves `received` with the first SIGINT or SIGTERM; while watched, neither signal kills the process. */
function watchSignals(source: SignalSource | undefined) {
  let resolveReceived!: (value: { signal: keyof typeof SIGNAL_EXIT_CODES; exitCode: number }) => void;
  const received = new Promise<{ signal: keyof typeof SIGNAL_EXIT_CODES; exitCode: number }>((r) => (resolveReceived = r));
  const listeners = (Object.keys(SIGNAL_EXIT_CODES) as Array<keyof typeof SIGNAL_EXIT_CODES>).map((signal) => {
    const listener = () => resolveReceived({ signal, exitCode: SIGNAL_EXIT_CODES[signal] });
    source?.on(signal, listener);
    return [signal, listener] as const;
  });
  return {
    received,
    dispose: () => {
      for (const [signal, listener] of listeners) source?.off(signal, listener);
    },
  };
}

/** Saves the run's report files as a baseline; refused for a run that did not complete unless --allow-incomplete. */
async function saveRun(args: Pick<RunArgs, 'saveBaseline' | 'baselinesDir' | 'allowIncomplete'>, environment: EnvironmentInfo, writer: ReportWriter, io: CliIo): Promise<void> {
  if (!args.saveBaseline) return;
  if (writer.runStatus() !== 'complete' && !args.allowIncomplete) {
    io.err(`memopt: baseline '${args.saveBaseline}' not saved: the run is ${writer.runStatus()} (pass --allow-incomplete to save it anyway)\n`);
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
  if (args.durations !== undefined && !args.shard) throw new UsageError({ field: '--durations' }, 'balances shards: use it with --shard i/n');
  const run = await runScenarios(args, io, argv);
  if (run === null) return ExitCode.ok; // --dry-run: the bounds are printed, nothing was sent
  const { environment, results, writer, interruptedWith } = run;
  if (interruptedWith !== undefined) return interruptedWith;
  await writer.finish({ exitCode: exitCodeFor(results) });
  io.out(`${formatOutcome(results)}\nReports: ${writer.outDir}/summary.csv\n`);
  await saveRun(args, environment, writer, io);
  return writer.endExitCode()!; // 3 when a report could not be written
}

interface CompareArgs extends Omit<RunArgs, 'out'> {
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
  checkRunArgs(args);
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
  const onlyNames = args.filter || args.files.length > 0 ? undefined : new Set(saved.report.scenarios.map((s) => s.name));
  const expectedMs = new Map(saved.report.scenarios.map((s) => [s.name, s.durationMs ?? 0]));
  const runArgs: RunArgs = { ...args, out: args.out ?? 'reports' };
  // The inputs are read and hashed before anything runs, so a changed dataset is refused before minutes are spent.
  const preflight = (scenarios: readonly ValidatedScenario[]) =>
    checkSameInputs(
      inputChanges(mockVersionAndInputs(saved.report), { mockModelVersion: MOCK_MODEL_VERSION, scenarios: scenarios.map((s) => ({ name: s.definition.name, inputs: s.inputs })) }),
      args,
    );
  const { results, writer, environment, interruptedWith } = (await runScenarios({ ...runArgs, onlyNames, expectedMs, preflight, dryRun: false }, io, argv))!;
  if (interruptedWith !== undefined) return interruptedWith;
  const current: RunReport = { environment, scenarios: results };
  const comparison: RunComparison = compareRuns(saved, { ref: 'current run', report: current });
  const exitCode = comparedMetricCount(comparison) === 0 && exitCodeFor(results) === ExitCode.ok ? ExitCode.badInput : comparisonExitCode(comparison, results);
  await writer.finish({ comparison, exitCode });
  io.out(formatComparison(comparison));
  if (exitCode === ExitCode.badInput && comparedMetricCount(comparison) === 0) io.err('memopt: compare: the runs have no metric in common\n');
  io.out(`${formatOutcome(results)}\nReports: ${writer.outDir}/summary.csv, ${writer.outDir}/comparison.csv\nexit code ${writer.endExitCode()}\n`);
  await saveRun(runArgs, environment, writer, io);
  return writer.endExitCode()!; // 3 when a report could not be written
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
  await saveRun({ saveBaseline: args.saveBaseline, baselinesDir: args.baselinesDir, allowIncomplete: false }, environment, writer, io);
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
