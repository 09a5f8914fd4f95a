/**
 * The suite runner as a library: `runSuite(options)` selects scenarios, checks everything they will read or write
 * (the pre-flight), splits them into shards, guards the cost of a user's endpoint, runs them one by one into a run
 * folder of their own and ends with the run's report and exit code. `memopt run` and `memopt compare NAME` are
 * thin argv -> options layers over it (src/cli/main.ts); a program calls it the same way (examples/run-suite.ts).
 *
 * Bad input (a scenario, an input file, an option, an unwritable path, an endpoint that does not serve a scenario's
 * model) throws a MemoptError with exit code 2 before anything is measured or written; errors name the CLI option
 * they came from (e.g. '--out'), as the CLI prints them. A run that starts always returns: its exit code is 0 (every
 * strict target met), 1 (a target missed), 3 (a scenario failed) or 130/143 (aborted through `signal`).
 */
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { PRICE_TABLE_USD_PER_MILLION_TOKENS } from '../endpoint/cost-guard.ts';
import { createUrlEndpoint, DEFAULT_API_KEY_ENV, type UrlEndpointOptions } from '../endpoint/url-endpoint.ts';
import { createCostBudget, type CostBudget } from '../endpoint/cost-budget.ts';
import type { EmulatedApiConfigInput } from '../endpoint/emulated-api/types.ts';
import type { RunComparison } from '../compare/types.ts';
import { ExitCode, UsageError } from '../errors.ts';
import { describeEnvironment } from '../harness/environment.ts';
import { checkInputs } from '../harness/inputs.ts';
import { findScenarioFiles, loadScenarios } from '../harness/loader.ts';
import { exitCodeFor, runScenario } from '../harness/runner.ts';
import { openScenarioEndpoints, type EndpointChoice, type EndpointKind, type ScenarioEndpoints } from '../harness/scenario-endpoint.ts';
import { MAX_SEED, type ValidatedScenario } from '../harness/scenario-schema.ts';
import { DEFAULT_DURATIONS_FILE, loadDurations, parseShard, planShards, type ScenarioDurations, type ShardSpec } from '../harness/shard.ts';
import type { EnvironmentInfo, RunnerEvent, RunReport, RunStatus, ScenarioResult, ShardInfo } from '../harness/types.ts';
import { checkRunPostgres, type RunPostgres } from '../parts/vector-store/database.ts';
import { csvExporter, jsonExporter } from '../report/csv.ts';
import type { Exporter } from '../report/exporter.ts';
import { markdownExporter } from '../report/markdown.ts';
import { checkOutputFile, checkOutputFolder } from '../report/output-check.ts';
import type { ReportFilesWriter } from '../runs/files.ts';
import { ReportWriter } from '../report/report-writer.ts';
import { checkBaselineName, DEFAULT_BASELINES_DIR, saveBaseline, type SavedBaseline } from '../runs/baselines.ts';
import { createRunFolder } from '../runs/run-folder.ts';
import { costBounds, guardCost, prepareForUrlEndpoint, type EndpointGuardArgs } from './endpoint-guard.ts';
import { checkEndpointServes } from './endpoint-check.ts';

/** The scenario folder read when no scenario file or folder is given. */
export const DEFAULT_SCENARIO_DIR = 'scenarios';

/** Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** What the scenarios talk to. */
export type SuiteEndpoint =
  /** memopt's server in a child process, one per scenario (the default), or the in-process msw mock. */
  | { kind: EndpointKind }
  /**
   * A user's OpenAI-compatible endpoint. Only scenarios whose driver declares its API requests run against it; the
   * cost guard bounds what they may cost before any request (`maxCostUsd` is required off this machine).
   */
  | {
      kind: 'url';
      /** Base URL, e.g. http://127.0.0.1:8000/v1. */
      baseURL: string;
      /** The environment variable holding the API key; null sends none. Default OPENAI_API_KEY. */
      apiKeyEnv?: string | null;
      /** Extra request headers and query parameters (their values are never written anywhere). */
      headers?: Record<string, string>;
      query?: Record<string, string>;
      /** The model and dimensions every scenario asks for, replacing the scenarios' own. */
      model?: string;
      dimensions?: number;
      /** The most the run may cost, USD. */
      maxCostUsd?: number;
      /** USD per million tokens, for a model without a known list price. */
      pricePerMillionTokens?: number;
      /** Print (through onMessage) each scenario's cost bound and stop before any request. Default false. */
      dryRun?: boolean;
    };

/** What a run tells its caller besides the runner's events: one line for a human (cost bounds, baselines). */
export interface SuiteMessage {
  level: 'info' | 'warning';
  text: string;
}

export interface RunSuiteOptions {
  /**
   * How report files are written. Default writeReportFiles (atomic, secrets removed); a test injects one that fails
   * as a full disk would: the run still goes on, writes what it can, and ends 'failed' with exit code 3.
   */
  writeFiles?: ReportFilesWriter;
  /** Scenario files or folders. Default: every file in `scenarios/`. */
  scenarios?: readonly string[];
  /** Smaller workloads and fewer repetitions (the CI gate). Default false. */
  quick?: boolean;
  /** Only scenarios whose name contains this text, or matches /regex/. */
  filter?: string;
  /** Seed for every scenario, an integer from 0 to 2^32 - 1. Default: each scenario's own, else 42. */
  seed?: number;
  /** Interleaved pairs per scenario (1 to 50), replacing each scenario's own count. */
  repetitions?: number;
  /** Run the param sweeps scenarios declare. Default true. */
  sweep?: boolean;
  /**
   * An agent-memory trace (src/datasets/agent-trace.ts) replayed through the stacks of the selected scenarios whose
   * driver takes one (memory-replay), in place of their own trace, full and quick; the other scenarios are left
   * out. Checked line by line before anything runs (exit 2 naming the line).
   */
  trace?: string;
  /** Only share i of n of the selected scenarios (`{ index, count }` or '1/2'): the same split on every machine. */
  shard?: ShardSpec | string;
  /** With `shard`: a duration file (scenario -> seconds) to balance by, or 'none' (default: scenarios/durations.json if present). */
  durations?: string;
  /** What the scenarios talk to. Default `{ kind: 'server' }`. */
  endpoint?: SuiteEndpoint;
  /** The Postgres (with pgvector) of pgvector indexes that name none of their own; checked before anything runs. */
  postgres?: RunPostgres;
  /** Reports root: the run writes into `<out>/runs/<time>-<id>/` and moves `<out>/latest` when it completes. Default 'reports'. */
  out?: string;
  /** Also write a Markdown summary to this file. */
  markdown?: string;
  /** Also save the run, when complete, as a baseline of this name. */
  saveBaseline?: string;
  /** Folder of saved baselines. Default '.baselines'. */
  baselinesDir?: string;
  /** Save a baseline of a run that did not complete. Default false. */
  allowIncomplete?: boolean;
  /** Progress: every runner event (scenario and step start and end, log lines). */
  onEvent?: (event: RunnerEvent) => void;
  /** Human-facing lines (cost bounds, baseline saved or not). */
  onMessage?: (message: SuiteMessage) => void;
  /** After the run folder is created, before the first scenario. */
  onStart?: (run: { environment: EnvironmentInfo; runFolder: string; scenarios: readonly string[] }) => void;
  /** After each scenario's result is written. */
  onResult?: (result: ScenarioResult) => void;
  /**
   * Stops the run: the write in progress finishes, the run folder is marked 'interrupted' and the exit code is 143
   * when `signal.reason` is 'SIGTERM', else 130 (SIGINT's).
   */
  signal?: AbortSignal;
  /** The command line recorded in run.json (already redacted by the caller). Default []. */
  argv?: readonly string[];
  /** Durations of an earlier run, for the progress display's estimates. */
  expectedMs?: ReadonlyMap<string, number>;
  /** Only scenarios of these names (compare NAME: the saved run's scenarios). */
  only?: ReadonlySet<string>;
  /** A last check of the selected scenarios (inputs read and hashed) before anything runs; throw to refuse. */
  preflight?: (scenarios: readonly ValidatedScenario[]) => void;
  /**
   * Decides the exit code from the results, and may add a comparison to the report (compare NAME). Default: the
   * results' own exit code (exitCodeFor).
   */
  conclude?: (run: { environment: EnvironmentInfo; results: readonly ScenarioResult[] }) => { exitCode: number; comparison?: RunComparison };
}

/** What a run ended with. */
export interface SuiteOutcome {
  /** 0 met, 1 a target missed, 3 a scenario failed, 130/143 aborted. */
  exitCode: number;
  /** 'dry-run' when the endpoint's dryRun printed the bounds and nothing ran. */
  status: RunStatus | 'dry-run';
  /** The run as run.json records it (null for a dry run). */
  report: RunReport | null;
  /** The run folder (null for a dry run). */
  runFolder: string | null;
  /** The baseline saved, when `saveBaseline` was given and the run could be saved. */
  baseline?: SavedBaseline;
  /** The comparison `conclude` returned, if any. */
  comparison?: RunComparison;
}

/** What the pre-flight leaves for the run: the scenarios of this shard and the endpoint they talk to. */
interface SuitePlan {
  scenarios: ValidatedScenario[];
  shardInfo: ShardInfo | null;
  choice: EndpointChoice;
  /** With `--max-cost-usd` against a url endpoint: the run's cap, charged by every request as it goes. */
  budget?: CostBudget;
}

/** Runs a suite of scenarios (see the module comment); throws a MemoptError (exit 2) for bad input. */
export async function runSuite(options: RunSuiteOptions = {}): Promise<SuiteOutcome> {
  checkSuiteOptions(options);
  const plan = await planSuite(options);
  if (plan === null) return { exitCode: ExitCode.ok, status: 'dry-run', report: null, runFolder: null };
  return executeSuite(options, plan);
}

/** The option checks that need no file: bad values are exit 2, naming the CLI option. */
export function checkSuiteOptions(options: RunSuiteOptions): void {
  const { seed, repetitions } = options;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)) {
    throw new UsageError({ field: '--seed' }, `expected an integer from 0 to ${MAX_SEED}, found ${seed}`);
  }
  if (repetitions !== undefined && (!Number.isInteger(repetitions) || repetitions < 1 || repetitions > 50)) {
    throw new UsageError({ field: '--repetitions' }, `expected an integer from 1 to 50, found ${repetitions}`);
  }
  if (options.saveBaseline !== undefined) checkBaselineName(options.saveBaseline);
  if (options.markdown !== undefined && options.markdown.trim() === '') throw new UsageError({ field: '--markdown' }, 'expected a file name');
  if (options.durations !== undefined && options.shard === undefined) throw new UsageError({ field: '--durations' }, 'balances shards: use it with --shard i/n');
}

/** The URL endpoint's client options, as the url endpoint kind takes them. */
function urlOptions(endpoint: Extract<SuiteEndpoint, { kind: 'url' }>): UrlEndpointOptions {
  return {
    baseURL: endpoint.baseURL,
    apiKeyEnv: endpoint.apiKeyEnv === undefined ? DEFAULT_API_KEY_ENV : endpoint.apiKeyEnv,
    headers: endpoint.headers ?? {},
    query: endpoint.query ?? {},
    // The client ledger's costUsd: list prices, and pricePerMillionTokens for the run's model.
    pricesUsdPerMillionTokens: {
      ...PRICE_TABLE_USD_PER_MILLION_TOKENS,
      ...(endpoint.model !== undefined && endpoint.pricePerMillionTokens !== undefined ? { [endpoint.model]: endpoint.pricePerMillionTokens } : {}),
    },
  };
}

/**
 * The pre-flight: every scenario in full and quick form, every input file its driver declares (each line parsed),
 * the shard, the reports root, the Markdown file and the baselines folder, the run's Postgres, and the endpoint (it
 * serves each scenario's model and dimensions; a user's endpoint passes its cost guard). Null for a dry run.
 */
async function planSuite(options: RunSuiteOptions): Promise<SuitePlan | null> {
  const paths = options.scenarios ?? [];
  const files = await findScenarioFiles(paths, DEFAULT_SCENARIO_DIR);
  if (files.length === 0) throw new UsageError({ file: paths.join(' ') || DEFAULT_SCENARIO_DIR }, 'no scenario files found');
  const quick = options.quick ?? false;
  let scenarios = await loadScenarios(files, { quick, seed: options.seed, filter: options.filter, repetitions: options.repetitions, trace: options.trace });
  if (options.trace !== undefined) {
    scenarios = scenarios.filter((s) => s.definition.driver.takesAgentTrace === true);
    if (scenarios.length === 0) throw new UsageError({ field: '--trace' }, 'no selected scenario replays an agent-memory trace (driver memory-replay); select one, e.g. --filter agent-memory');
  }
  if (options.only) scenarios = scenarios.filter((s) => options.only!.has(s.definition.name));
  for (const text of new Set(scenarios.flatMap((s) => s.warnings))) options.onMessage?.({ level: 'warning', text });
  if (scenarios.length === 0) {
    throw new UsageError(
      { field: options.only ? 'compare' : '--filter' },
      options.only ? 'no scenario of the saved run is among the scenario files' : `no scenario name matches '${options.filter}'`,
    );
  }
  // Every selected scenario is validated and its inputs checked, on every shard too: each refuses the same bad input.
  await checkInputs(scenarios);
  // The run's Postgres is checked here (exit 2 when unreachable) and handed to each scenario.
  if (options.postgres) await checkRunPostgres(options.postgres);
  let shardInfo: ShardInfo | null = null;
  if (options.shard !== undefined) {
    const shard = typeof options.shard === 'string' ? parseShard(options.shard) : options.shard;
    const selected = scenarios.map((s) => s.definition.name);
    const plan = planShards(selected, shard.count, await shardDurations(options.durations));
    const mine = new Set(plan.shards[shard.index - 1]);
    shardInfo = {
      ...shard,
      scenarios: selected,
      assigned: [...mine],
      balance: plan.balance,
      inputs: scenarios.flatMap((s) => (s.inputs ?? []).map((i) => ({ scenario: s.definition.name, field: i.field, path: i.path, sha256: i.sha256 }))),
      seeds: Object.fromEntries(scenarios.map((s) => [s.definition.name, s.seed])),
    };
    scenarios = scenarios.filter((s) => mine.has(s.definition.name));
  }
  await checkOutputFolder(options.out ?? 'reports', '--out');
  if (options.markdown) await checkOutputFile(options.markdown, '--markdown');
  if (options.saveBaseline !== undefined) await checkOutputFolder(options.baselinesDir ?? DEFAULT_BASELINES_DIR, '--baselines-dir');
  options.preflight?.(scenarios);

  const endpoint = options.endpoint ?? { kind: 'server' };
  const say = (text: string) => options.onMessage?.({ level: 'info', text });
  if (endpoint.kind === 'url') {
    const guard: EndpointGuardArgs = {
      baseURL: endpoint.baseURL,
      model: endpoint.model,
      dimensions: endpoint.dimensions,
      maxCostUsd: endpoint.maxCostUsd,
      pricePerMillionTokens: endpoint.pricePerMillionTokens,
    };
    // The cap given is enforced as requests go (the pre-flight's included), beside the bound checked before them.
    const budget = endpoint.maxCostUsd === undefined ? undefined : createCostBudget({ maxCostUsd: endpoint.maxCostUsd, pricesUsdPerMillionTokens: urlOptions(endpoint).pricesUsdPerMillionTokens ?? {} });
    const client: UrlEndpointOptions = { ...urlOptions(endpoint), ...(budget ? { budget } : {}) };
    // Before any request: which scenarios may run, and what they may cost at most (exit 2 when refused).
    await createUrlEndpoint(client).close(); // a bad URL or a missing key variable fails here (exit 2)
    prepareForUrlEndpoint(scenarios, guard);
    guardCost(await costBounds(scenarios, guard), guard, say);
    if (endpoint.dryRun) return null;
    const choice: EndpointChoice = { kind: 'url', options: client };
    await checkEndpointServes(scenarios, choice);
    return { scenarios, shardInfo, choice, ...(budget ? { budget } : {}) };
  }
  const choice: EndpointChoice = { kind: endpoint.kind };
  if (choice.kind === 'in-process') {
    // A real model runs only behind memopt's server: refused before anything runs (exit 2).
    const real = scenarios.find((s) => s.endpointOptions.model !== undefined);
    if (real) throw new UsageError({ field: '--endpoint-kind' }, `scenario '${real.definition.name}' answers with a real model (endpoint.model), which only the 'server' endpoint kind serves`);
  }
  await checkEndpointServes(scenarios, choice);
  return { scenarios, shardInfo, choice };
}

/** The duration file a sharded run balances by: the one named, none for 'none', else the default file if it exists. */
async function shardDurations(option: string | undefined): Promise<ScenarioDurations | undefined> {
  if (option === 'none') return undefined;
  if (option !== undefined) return loadDurations(option);
  return existsSync(DEFAULT_DURATIONS_FILE) ? loadDurations(DEFAULT_DURATIONS_FILE) : undefined;
}

/** The exit code of an aborted run: 143 for a 'SIGTERM' reason, else 130. */
function abortExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? SIGNAL_EXIT_CODES.SIGTERM : SIGNAL_EXIT_CODES.SIGINT;
}

/** Resolves when `signal` aborts (never when it is absent); `dispose` removes the listener. */
function whenAborted(signal: AbortSignal | undefined): { aborted: Promise<{ exitCode: number }>; dispose(): void } {
  if (!signal) return { aborted: new Promise(() => {}), dispose: () => {} };
  if (signal.aborted) return { aborted: Promise.resolve({ exitCode: abortExitCode(signal) }), dispose: () => {} };
  let listener!: () => void;
  const aborted = new Promise<{ exitCode: number }>((resolveAborted) => {
    listener = () => resolveAborted({ exitCode: abortExitCode(signal) });
    signal.addEventListener('abort', listener, { once: true });
  });
  return { aborted, dispose: () => signal.removeEventListener('abort', listener) };
}

/**
 * The run: its own folder, marked 'running', then the scenarios one by one, their reports written after each. An
 * abort waits for the write in progress, marks the run 'interrupted' and ends it with 130 or 143.
 */
async function executeSuite(options: RunSuiteOptions, plan: SuitePlan): Promise<SuiteOutcome> {
  const quick = options.quick ?? false;
  const environment = describeEnvironment({ seed: options.seed, quick, repetitions: options.repetitions, argv: [...(options.argv ?? [])] });
  environment.shard = plan.shardInfo;
  const exporters: Exporter[] = [csvExporter, jsonExporter];
  if (options.markdown) exporters.push(markdownExporter(resolve(options.markdown)));
  const root = resolve(options.out ?? 'reports');
  const writer = new ReportWriter(await createRunFolder(root, environment), environment, exporters, root, {
    writeFiles: options.writeFiles,
    onWriteFailure: (text) => options.onMessage?.({ level: 'warning', text }),
  });
  await writer.start();
  options.onStart?.({ environment, runFolder: writer.outDir, scenarios: plan.scenarios.map((s) => s.definition.name) });
  const abort = whenAborted(options.signal);
  const results: ScenarioResult[] = [];
  const report = (status: RunStatus, exitCode: number): RunReport => ({ status, exitCode, finishedAt: new Date().toISOString(), environment, scenarios: results });
  // The scenario's endpoints, kept here so an abort stops its server too (the runner closes them otherwise).
  let current: ScenarioEndpoints | null = null;
  const endpoints = (mockInput: EmulatedApiConfigInput) => (current = openScenarioEndpoints(plan.choice, mockInput));
  try {
    for (const scenario of plan.scenarios) {
      const outcome = await Promise.race([
        runScenario(scenario, { quick, sweep: options.sweep ?? true, endpoints, postgres: options.postgres, onEvent: options.onEvent, signal: options.signal }).then((result) => ({ result })),
        abort.aborted,
      ]);
      if (!('result' in outcome)) {
        await (current as ScenarioEndpoints | null)?.close();
        await writer.interrupt(outcome.exitCode);
        return { exitCode: outcome.exitCode, status: 'interrupted', report: report('interrupted', outcome.exitCode), runFolder: writer.outDir };
      }
      results.push(outcome.result);
      await writer.add(outcome.result);
      options.onResult?.(outcome.result);
      // The cost cap reached: the run stops here; what ran is kept (the scenario that hit it ended errored, exit 3).
      const left = plan.scenarios.slice(plan.scenarios.indexOf(scenario) + 1).map((s) => s.definition.name);
      if (plan.budget && plan.budget.refused() > 0 && left.length > 0) {
        options.onMessage?.({ level: 'warning', text: `the run's cost cap of $${plan.budget.maxCostUsd} was reached: not run: ${left.join(', ')}` });
        break;
      }
    }
  } catch (error) {
    // The run itself failed (not a scenario: a write, the harness): record it as failed, then report the error.
    await writer.finish({ exitCode: ExitCode.runFailed, status: 'failed' }).catch(() => undefined);
    throw error;
  } finally {
    abort.dispose();
  }
  const concluded = options.conclude?.({ environment, results }) ?? { exitCode: exitCodeFor(results) };
  await writer.finish({ exitCode: concluded.exitCode, comparison: concluded.comparison });
  const status = writer.runStatus();
  // 3 when a report file could not be written (the run is then recorded as failed).
  const exitCode = writer.endExitCode() ?? concluded.exitCode;
  const baseline = await saveRunAsBaseline(options, environment, writer);
  return {
    exitCode,
    status,
    report: report(status, exitCode),
    runFolder: writer.outDir,
    ...(baseline ? { baseline } : {}),
    ...(concluded.comparison ? { comparison: concluded.comparison } : {}),
  };
}

/** Saves the run's report files as a baseline; refused (a warning) for a run that did not complete unless allowed. */
async function saveRunAsBaseline(options: RunSuiteOptions, environment: EnvironmentInfo, writer: ReportWriter): Promise<SavedBaseline | undefined> {
  if (!options.saveBaseline) return undefined;
  return saveWrittenRun(
    { name: options.saveBaseline, baselinesDir: options.baselinesDir ?? DEFAULT_BASELINES_DIR, allowIncomplete: options.allowIncomplete ?? false },
    environment,
    writer,
    (message) => options.onMessage?.(message),
  );
}

/** Saves a written run's files (those in its folder, comparison.csv aside) as a baseline; `memopt merge` uses it too. */
export async function saveWrittenRun(
  target: { name: string; baselinesDir: string; allowIncomplete: boolean },
  environment: EnvironmentInfo,
  writer: ReportWriter,
  onMessage: (message: SuiteMessage) => void,
): Promise<SavedBaseline | undefined> {
  if (writer.runStatus() !== 'complete' && !target.allowIncomplete) {
    onMessage({ level: 'warning', text: `baseline '${target.name}' not saved: the run is ${writer.runStatus()} (pass --allow-incomplete to save it anyway)` });
    return undefined;
  }
  const inOut = writer.written().filter((file) => !relative(writer.outDir, file).startsWith('..') && !relative(writer.outDir, file).includes(sep));
  const saved = await saveBaseline({
    name: target.name,
    baselinesDir: target.baselinesDir,
    files: inOut.filter((f) => !f.endsWith('comparison.csv')),
    run: { runId: environment.runId, gitCommit: environment.gitCommit },
  });
  onMessage({ level: 'info', text: `Baseline '${saved.name}' saved: ${saved.dir}` });
  return saved;
}
