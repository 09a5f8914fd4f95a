import { CostCapError, MemoptError, ExitCode, RunError } from '../errors.ts';
import { redactText } from '../util/redact.ts';
import { verifyInputsUnchanged } from './inputs.ts';
import type { EmbeddingsEndpoint } from '../endpoint/types.ts';
import { resolveMockConfig } from '../endpoint/emulated-api/index.ts';
import { mockEndpoints, type ScenarioEndpoints } from './scenario-endpoint.ts';
import { describeFactoryVariant, isFactoryVariant } from './factory-variant.ts';
import { describeUserPartCall, userPartOf } from './user-part.ts';
import { addTallies, refuseIfMostlyUnreachable, tallyOf, type TransportTally } from './transport-tally.ts';
import { resolveComparePolicy, resolveMetricClass } from './compare-policy.ts';
import { createMemoryProbe } from '../measure/memory-probe.ts';
import type { EmulatedApiConfigInput } from '../endpoint/emulated-api/types.ts';
import type { ValidatedScenario } from './scenario-schema.ts';
import type { RunPostgres } from '../parts/vector-store/database.ts';
import { median } from '../measure/latency.ts';
import { checkTarget } from './targets.ts';
import { reportedWorkload } from './scenario-paths.ts';
import type {
  DetailTable,
  ErroredScenarioResult,
  MetricResult,
  MetricValues,
  RunContext,
  RunnerEvent,
  RunStep,
  MetricSpec,
  ScenarioManifest,
  ScenarioResult,
  ScenarioStatus,
  VariantRunOutput,
  WorkloadDriver,
} from './types.ts';

export interface RunScenarioOptions {
  quick: boolean;
  /** Progress lines for humans (stderr). Also sent as 'log' events. */
  log?: (message: string) => void;
  /** Progress events (scenario, step, variant) for a display; see `RunnerEvent`. */
  onEvent?: (event: RunnerEvent) => void;
  /** Run the scenario's param sweep, if it declares one. Default true. */
  sweep?: boolean;
  /**
   * The endpoints this scenario's runs talk to, given the scenario's mock options (seed included); the runner
   * closes them when the scenario ends. Default: the in-process msw mock, a fresh one per run
   * (scenario-endpoint.ts; the CLI's default is a memopt server in a child process).
   */
  endpoints?: (mockInput: EmulatedApiConfigInput) => ScenarioEndpoints;
  /** The run's Postgres for pgvector indexes that name none (PrepareContext.postgres). Default: a PGlite server. */
  postgres?: RunPostgres;
  /** Once aborted, no further step starts (the suite has already recorded the run as interrupted). */
  signal?: AbortSignal;
}

type Side = 'baseline' | 'optimized';

/** One run of the scenario's plan: which variant, on which endpoints, and where its output goes. */
interface PlannedRun {
  message: string;
  step: Omit<RunStep, 'index' | 'steps'>;
  side: Side;
  params: unknown;
  repetition: number;
  sweepPoint?: RunContext['sweep'];
  /** The gated pairs' endpoints, the compressed-time pairs', or the sweep's (its own time scale, if it has one). */
  on: 'gated' | 'compressed' | 'sweep';
  compressed?: RunContext['compressedTime'];
  keep(output: VariantRunOutput): void;
  /** A run allowed to fail (a sweep point) records its error here; without it, a failure ends the scenario. */
  failed?(error: unknown): void;
}

/**
 * Runs one validated scenario: prepares the workload once, then runs baseline and optimized in interleaved pairs
 * (B,O then O,B, ...) so slow drift on a shared machine falls on both sides alike. Each run gets a fresh mocked API.
 * A failure is a result (status 'errored'), not a crash, so the other scenarios still run and report.
 */
export async function runScenario(scenario: ValidatedScenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const { definition, seed } = scenario;
  const driver = definition.driver;
  const emit = options.onEvent ?? (() => {});
  const log = (message: string) => {
    options.log?.(message);
    emit({ type: 'log', scenario: definition.name, message });
  };
  const started = performance.now();
  const notes: Record<string, unknown> = {};
  const note = (key: string, value: unknown) => {
    if (!(key in notes)) notes[key] = value;
  };
  const sweep = options.sweep === false ? null : scenario.sweep;
  const mockInput = { seed, ...scenario.endpointOptions };
  const endpointsFor = options.endpoints ?? mockEndpoints;
  const endpoints = endpointsFor(mockInput as EmulatedApiConfigInput);
  // A user's endpoint has one time scale: no compressed-time pairs against it (see CompressedTimeSpec).
  const compressedSpec = definition.compressedTime && endpoints.describe().kind !== 'url' ? definition.compressedTime : null;
  const wantedPairs = compressedSpec ? (options.quick ? (compressedSpec.quickPairs ?? compressedSpec.pairs ?? 1) : (compressedSpec.pairs ?? 1)) : 0;
  const compressedTime = wantedPairs > 0 ? compressedSpec : null;
  const compressedPairs = compressedTime ? wantedPairs : 0;
  let stepIndex = 0;
  /** Runs one step between 'step-start' and 'step-end' events. */
  const step = async <T>(info: Omit<RunStep, 'index' | 'steps'>, steps: number, work: () => Promise<T>): Promise<T> => {
    options.signal?.throwIfAborted();
    const current: RunStep = { index: ++stepIndex, steps, ...info };
    emit({ type: 'step-start', scenario: definition.name, step: current });
    const t0 = performance.now();
    let ok = false;
    try {
      const result = await work();
      ok = true;
      return result;
    } finally {
      emit({ type: 'step-end', scenario: definition.name, step: current, durationMs: performance.now() - t0, ok });
    }
  };
  const values: Record<Side, MetricValues[]> = { baseline: [], optimized: [] };
  const compressedValues: Record<Side, MetricValues[]> = { baseline: [], optimized: [] };
  const details: DetailTable[] = [];
  const base = {
    name: definition.name,
    file: scenario.file,
    description: definition.description,
    driver: driver.name,
    seed,
    quick: options.quick,
    repetitions: scenario.repetitions,
    baselineLabel: definition.baseline.label,
    optimizedLabel: definition.optimized.label,
  };
  const manifest = (): ScenarioManifest => ({
    fileSha256: scenario.fileSha256 ?? '',
    workload: reportedWorkload(driver, scenario.workload, { baseline: scenario.baselineParams, optimized: scenario.optimizedParams }),
    baselineParams: describeParams(scenario.baselineParams),
    optimizedParams: describeParams(scenario.optimizedParams),
    mock: describeMock(mockInput),
    sweep: definition.sweep ?? null,
    compressedTime: compressedTime,
    endpoint: endpoints.describe(),
    notes,
    inputs: scenario.inputs ?? [],
  });
  const labelOf = (side: Side) => (side === 'baseline' ? definition.baseline.label : definition.optimized.label);
  let transport: TransportTally | null = null;
  /** Adds the run's requests by outcome to the scenario's tally; a run whose requests mostly got no answer fails. */
  const checkTransport = async (endpoint: EmbeddingsEndpoint, variant: string, runError?: unknown) => {
    const tally = tallyOf(await endpoint.ledger());
    if (!tally) return;
    transport = addTallies(transport, tally);
    refuseIfMostlyUnreachable(tally, variant, runError);
  };
  /** One run of one variant on a fresh endpoint. */
  const runOnce = async (
    prepared: unknown,
    side: Side,
    params: unknown,
    repetition: number,
    sweepPoint?: RunContext['sweep'],
    on: ScenarioEndpoints = endpoints,
    compressed?: RunContext['compressedTime'],
  ) => {
    const { endpoint, release } = await on.open();
    try {
      const context: RunContext = {
        seed,
        quick: options.quick,
        endpoint,
        memory: createMemoryProbe(),
        repetition,
        side,
        log,
        note,
        sweep: sweepPoint,
        ...(compressed ? { compressedTime: compressed } : {}),
      };
      let output: VariantRunOutput;
      try {
        output = await untilCostCap(driver.run(prepared, params, context), endpoint.costCapReached);
      } catch (error) {
        // A run that failed because its requests never reached the endpoint says so, rather than what it hit next.
        await checkTransport(endpoint, labelOf(side), error);
        throw error;
      }
      await checkTransport(endpoint, labelOf(side));
      await refuseIfNothingAnswered(endpoint, labelOf(side));
      return output;
    } finally {
      await release();
    }
  };
  /** prepare() gets an endpoint of its own, closed before the first run (one mock may be open at a time). */
  const prepareOnce = async () => {
    const { endpoint, release } = await endpoints.open();
    try {
      return await driver.prepare(scenario.workload, { seed, quick: options.quick, file: scenario.file, endpoint, postgres: options.postgres });
    } finally {
      await release();
    }
  };

  // The plan: every run of the scenario, in order, decided once (interleaved pairs, then the advisory
  // compressed-time pairs, then the sweep's points); one loop below runs it.
  const names = driver.metrics.map((m) => m.name);
  const sweepTable: DetailTable | null = sweep
    ? { name: 'sweep', columns: ['side', 'variant', 'repetition', 'param', 'value', ...names, 'error'], rows: [] }
    : null;
  const plan: PlannedRun[] = [];
  const pairs = (count: number, make: (side: Side, index: number) => PlannedRun) => {
    for (let index = 0; index < count; index++) {
      for (const side of index % 2 === 0 ? (['baseline', 'optimized'] as const) : (['optimized', 'baseline'] as const)) plan.push(make(side, index));
    }
  };
  const paramsOf = (side: Side) => (side === 'baseline' ? scenario.baselineParams : scenario.optimizedParams);
  pairs(scenario.repetitions, (side, repetition) => ({
    message: `repetition ${repetition + 1}/${scenario.repetitions}, ${labelOf(side)}`,
    step: { phase: 'repetition', side, variant: labelOf(side), repetition },
    side,
    params: paramsOf(side),
    repetition,
    on: 'gated',
    keep: (output) => {
      values[side].push(output.metrics);
      for (const table of output.details ?? []) details.push(withColumns(table, { side, variant: labelOf(side), repetition }));
    },
  }));
  if (compressedTime) {
    // Advisory pairs at a compressed time scale, on endpoints of their own; their detail tables are not kept.
    pairs(compressedPairs, (side, pair) => ({
      message: `compressed-time pair ${pair + 1}/${compressedPairs} (timeScale ${compressedTime.timeScale}), ${labelOf(side)}`,
      step: { phase: 'compressed', side, variant: labelOf(side), repetition: pair },
      side,
      params: paramsOf(side),
      repetition: pair,
      on: 'compressed',
      compressed: { timeScale: compressedTime.timeScale },
      keep: (output) => compressedValues[side].push(output.metrics),
    }));
  }
  if (sweep && sweepTable) {
    // The sweep's own detail tables are not kept: the sweep table is its record. A point that fails is a row saying
    // so; the scenario's own result stands.
    sweep.values.forEach((value, v) => {
      for (let repetition = 0; repetition < sweep.repetitions; repetition++) {
        const point = { param: sweep.param, value };
        const row = (cells: Array<number | string | null>) => sweepTable.rows.push([sweep.side, labelOf(sweep.side), repetition, sweep.param, value, ...cells]);
        plan.push({
          message: `sweep ${sweep.param} = ${value} (${v + 1}/${sweep.values.length}), ${labelOf(sweep.side)}`,
          step: { phase: 'sweep', side: sweep.side, variant: labelOf(sweep.side), repetition, sweep: point },
          side: sweep.side,
          params: sweep.params[v],
          repetition,
          sweepPoint: point,
          on: 'sweep',
          keep: (output) => row([...names.map((n) => (isNumber(output.metrics[n]) ? output.metrics[n] : null)), null]),
          failed: (error) => row([...names.map(() => null), describeRunFailure(error, ExitCode.runFailed).message]),
        });
      }
    });
  }
  const steps = 1 + plan.length;
  const sweepScale = definition.sweep?.timeScale;
  const isUrl = endpoints.describe().kind === 'url';
  /** The endpoints of each kind of run, opened when first needed; a kind's are closed once the plan moves past it. */
  const opened = new Map<PlannedRun['on'], ScenarioEndpoints>([['gated', endpoints]]);
  const endpointsOf = (on: PlannedRun['on']): ScenarioEndpoints => {
    let found = opened.get(on);
    if (!found) {
      if (on === 'compressed') found = endpointsFor({ ...mockInput, timeScale: compressedTime!.timeScale } as EmulatedApiConfigInput);
      else found = sweepScale !== undefined && !isUrl ? endpointsFor({ ...mockInput, timeScale: sweepScale } as EmulatedApiConfigInput) : endpoints;
      opened.set(on, found);
    }
    return found;
  };
  const closeExtra = async (keep?: PlannedRun['on']) => {
    for (const [on, extra] of opened) {
      if (on !== keep && extra !== endpoints) {
        opened.delete(on);
        await extra.close();
      }
    }
  };

  emit({ type: 'scenario-start', scenario: definition.name, steps });
  let prepared: unknown;
  let preparedOk = false;
  try {
    await verifyInputsUnchanged(scenario, 'before');
    prepared = await step({ phase: 'prepare' }, steps, prepareOnce);
    preparedOk = true;
    for (const run of plan) {
      await closeExtra(run.on);
      log(`${definition.name}: ${run.message}`);
      await step(run.step, steps, async () => {
        try {
          run.keep(await runOnce(prepared, run.side, run.params, run.repetition, run.sweepPoint, endpointsOf(run.on), run.compressed));
        } catch (error) {
          // Bad input and the run's cost cap end the scenario; any other failure of a sweep point is a row.
          if (!run.failed || (error instanceof MemoptError && error.exitCode === ExitCode.badInput) || error instanceof CostCapError) throw error;
          run.failed(error);
        }
      });
    }
    await verifyInputsUnchanged(scenario, 'during');
  } catch (error) {
    if (preparedOk) await driver.release?.(prepared).catch(() => {});
    const exitCode = error instanceof MemoptError ? error.exitCode : ExitCode.runFailed;
    const result: ScenarioResult = {
      ...base,
      status: 'errored',
      // An endpoint's error body may echo the key or a header: the message is kept without known secrets.
      error: describeRunFailure(error, exitCode),
      metrics: [],
      details: mergeDetails(details),
      durationMs: performance.now() - started,
      manifest: manifest(),
      ...(transport ? { transport } : {}),
    };
    emit({ type: 'scenario-end', scenario: definition.name, result });
    return result;
  } finally {
    await closeExtra();
    await endpoints.close();
  }

  // The scenario's shared resources (e.g. a database server) end with its last run.
  await driver.release?.(prepared);

  const metrics = driver.metrics
    .map((spec): MetricResult | null => {
      const baselineSamples = values.baseline.map((v) => v[spec.name]).filter(isNumber);
      const optimizedSamples = values.optimized.map((v) => v[spec.name]).filter(isNumber);
      if (baselineSamples.length === 0 && optimizedSamples.length === 0) return null;
      const b = baselineSamples.length ? median(baselineSamples) : null;
      const o = optimizedSamples.length ? median(optimizedSamples) : null;
      const changePct = b !== null && o !== null && b !== 0 ? ((o - b) / Math.abs(b)) * 100 : null;
      const resolved = withClass(spec, scenario);
      const result: MetricResult = {
        ...resolved,
        baseline: b,
        optimized: o,
        changePct,
        baselineSamples,
        optimizedSamples,
        targets: [],
        comparePolicy: resolveComparePolicy(resolved, scenario.compare[spec.name]),
      };
      result.targets = scenario.targets.filter((t) => t.metric === spec.name).map((t) => checkTarget(t, result));
      return result;
    })
    .filter((m): m is MetricResult => m !== null);

  // A target on a metric the driver never produced is a miss, not silently dropped.
  for (const target of scenario.targets) {
    if (!metrics.some((m) => m.name === target.metric)) {
      const spec = driver.metrics.find((m) => m.name === target.metric)!;
      const resolved = withClass(spec, scenario);
      const empty: MetricResult = {
        ...resolved,
        baseline: null,
        optimized: null,
        changePct: null,
        baselineSamples: [],
        optimizedSamples: [],
        targets: [],
        comparePolicy: resolveComparePolicy(resolved, scenario.compare[spec.name]),
      };
      empty.targets = [checkTarget(target, empty)];
      metrics.push(empty);
    }
  }

  if (compressedTime) metrics.push(...compressedMetrics(scenario, compressedTime.timeScale, compressedValues));

  const missed = metrics.some((m) => m.targets.some((t) => t.gate === 'strict' && !t.passed));
  const status: ScenarioStatus = missed ? 'missed' : 'passed';
  const allDetails = mergeDetails(details);
  if (sweepTable) allDetails.push(sweepTable);
  if (driver.variantsChart) allDetails.push(variantsTable(driver.variantsChart, metrics, sweepTable, { baseline: labelOf('baseline'), optimized: labelOf('optimized') }));
  const result: ScenarioResult = { ...base, status, metrics, details: allDetails, durationMs: performance.now() - started, manifest: manifest(), ...(transport ? { transport } : {}) };
  emit({ type: 'scenario-end', scenario: definition.name, result });
  return result;
}

/**
 * What run.json keeps of the error that ended a scenario: its message (naming the user's part and call when one threw),
 * its stack, and the part; each without known secrets.
 */
function describeRunFailure(error: unknown, exitCode: number): ErroredScenarioResult['error'] {
  const message = (error as Error)?.message ?? String(error);
  const part = userPartOf(error);
  const stack = typeof (error as Error)?.stack === 'string' ? redactText((error as Error).stack!) : undefined;
  return {
    message: redactText(part ? `${describeUserPartCall(part)}: ${message}` : message),
    exitCode,
    ...(stack ? { stack } : {}),
    ...(part ? { part } : {}),
  };
}

/**
 * The driver's cost and quality metrics for each variant the scenario ran, with the Pareto chart hint (see
 * WorkloadDriver.variantsChart). No `side` or `repetition` column: every row is one point, medians already taken.
 */
function variantsTable(
  hint: NonNullable<WorkloadDriver['variantsChart']>,
  metrics: readonly MetricResult[],
  sweep: DetailTable | null,
  labels: Record<Side, string>,
): DetailTable {
  const columns = ['role', 'variant', 'point', hint.x.column, hint.y.column];
  const medianOf = (side: Side, name: string) => {
    const m = metrics.find((x) => x.name === name);
    return m ? (side === 'baseline' ? m.baseline : m.optimized) : null;
  };
  const rows: DetailTable['rows'] = (['baseline', 'optimized'] as const).map((side) => [side, labels[side], side, medianOf(side, hint.x.column), medianOf(side, hint.y.column)]);
  if (sweep) {
    const at = (name: string) => sweep.columns.indexOf(name);
    const byValue = new Map<string, { variant: string; param: string; value: unknown; x: number[]; y: number[] }>();
    for (const row of sweep.rows) {
      const key = String(row[at('value')]);
      const entry = byValue.get(key) ?? { variant: String(row[at('variant')]), param: String(row[at('param')]), value: row[at('value')], x: [], y: [] };
      const x = row[at(hint.x.column)];
      const y = row[at(hint.y.column)];
      if (typeof x === 'number' && typeof y === 'number') {
        entry.x.push(x);
        entry.y.push(y);
      }
      byValue.set(key, entry);
    }
    for (const entry of byValue.values()) {
      if (entry.x.length > 0) rows.push(['sweep', entry.variant, `${entry.param}=${entry.value}`, median(entry.x), median(entry.y)]);
    }
  }
  return {
    name: 'variants',
    columns,
    rows,
    chart: {
      type: 'front',
      id: 'variants',
      title: hint.title,
      caption: 'each point a variant this scenario ran: baseline and optimized (medians over the gated repetitions) and each swept value (the median over its runs), labelled; the dashed step is the Pareto front',
      x: hint.x,
      y: hint.y,
      group: { text: '{variant}', title: 'variant' },
      label: 'point',
      name: '{variant} {point}',
      ...(hint.target ? { target: hint.target } : {}),
    },
  };
}

/** The spec with its class resolved (scenario override, driver's class, kind default), as run.json records it. */
function withClass(spec: MetricSpec, scenario: ValidatedScenario): MetricSpec {
  return { ...spec, class: resolveMetricClass(spec, scenario.classes[spec.name]) };
}

/**
 * The run, stopped the moment the run's cost cap is reached (a refused request): its promise is left to settle in
 * the background, where every request it still sends is refused locally, without being sent.
 */
function untilCostCap<T>(run: Promise<T>, capReached: Promise<Error> | undefined): Promise<T> {
  if (!capReached) return run;
  return new Promise<T>((resolve, reject) => {
    run.then(resolve, reject);
    void capReached.then(reject);
  });
}

/**
 * A run whose every embeddings request failed measured nothing, whatever its counters say (a run that sends only
 * refused requests can even "reduce" api_requests): it fails the scenario (exit 3), so no target can pass on it.
 */
async function refuseIfNothingAnswered(endpoint: EmbeddingsEndpoint, variant: string): Promise<void> {
  const ledger = await endpoint.ledger();
  if (ledger.requests > 0 && ledger.succeeded === 0) {
    const answers = [
      ledger.clientErrors ? `${ledger.clientErrors} refused (4xx)` : '',
      ledger.rateLimited ? `${ledger.rateLimited} rate-limited (429)` : '',
      ledger.serverErrors ? `${ledger.serverErrors} server errors (5xx)` : '',
    ].filter(Boolean);
    throw new RunError(
      `${variant}: every embeddings request failed (${ledger.requests} sent, none answered 200${answers.length ? `: ${answers.join(', ')}` : ''}); nothing was measured. Check the model and dimensions the scenario asks for`,
    );
  }
}

/**
 * Each metric with a speedup target, measured again at a compressed time scale: `<metric>_compressed`, with the
 * same targets made advisory (a compressed scale flatters the side that sends fewer requests; see CompressedTimeSpec).
 */
function compressedMetrics(scenario: ValidatedScenario, timeScale: number, values: Record<Side, MetricValues[]>): MetricResult[] {
  const driver = scenario.definition.driver;
  const timed = new Set(scenario.targets.filter((t) => t.kind === 'speedup').map((t) => t.metric));
  return driver.metrics
    .filter((spec) => timed.has(spec.name))
    .map((spec) => {
      const baselineSamples = values.baseline.map((v) => v[spec.name]).filter(isNumber);
      const optimizedSamples = values.optimized.map((v) => v[spec.name]).filter(isNumber);
      const b = baselineSamples.length ? median(baselineSamples) : null;
      const o = optimizedSamples.length ? median(optimizedSamples) : null;
      const name = `${spec.name}_compressed`;
      const result: MetricResult = {
        ...spec,
        name,
        description: `${spec.description} (at timeScale ${timeScale}: modelled waits compressed, the client's CPU not; advisory)`,
        baseline: b,
        optimized: o,
        changePct: b !== null && o !== null && b !== 0 ? ((o - b) / Math.abs(b)) * 100 : null,
        baselineSamples,
        optimizedSamples,
        targets: [],
        comparePolicy: { ...resolveComparePolicy(spec, scenario.compare[spec.name]), gate: 'advisory' },
      };
      result.targets = scenario.targets
        .filter((t) => t.metric === spec.name && t.kind === 'speedup')
        .map((t) => checkTarget({ ...t, metric: name, gate: 'advisory' }, result));
      return result;
    });
}

/** The mock's full configuration for the manifest; a function-valued option (an injected clock) is named, not kept. */
/** The mocked API's resolved options, and the real model its server answers with (`model`) when there is one. */
function describeMock(input: Parameters<typeof resolveMockConfig>[0] & { model?: string }): unknown {
  const { model, ...api } = input;
  const resolved = JSON.parse(JSON.stringify(resolveMockConfig(api), (_key, value) => (typeof value === 'function' ? '[function]' : value)));
  return model === undefined ? resolved : { ...resolved, model };
}

/** A factory variant is recorded by its label and version, never the function. */
function describeParams(params: unknown): unknown {
  return isFactoryVariant(params) ? describeFactoryVariant(params) : params;
}

function isNumber(value: number | undefined): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

/** Prefixes a driver's table with which side, variant and repetition produced each row. */
function withColumns(table: DetailTable, extra: { side: Side; variant: string; repetition: number }): DetailTable {
  return {
    ...table,
    columns: ['side', 'variant', 'repetition', ...table.columns],
    rows: table.rows.map((row) => [extra.side, extra.variant, extra.repetition, ...row]),
  };
}

/** Tables of the same name from different runs become one table. */
function mergeDetails(tables: DetailTable[]): DetailTable[] {
  const byName = new Map<string, DetailTable>();
  for (const table of tables) {
    const existing = byName.get(table.name);
    if (existing) existing.rows.push(...table.rows);
    else byName.set(table.name, { ...table, rows: [...table.rows] });
  }
  return [...byName.values()];
}

/** The process exit code for a set of results: bad input 2, a failed run 3, a missed strict target 1, else 0. */
export function exitCodeFor(results: readonly ScenarioResult[]): number {
  const errored = results.filter((r) => r.status === 'errored');
  if (errored.some((r) => r.status === 'errored' && r.error.exitCode === ExitCode.badInput)) return ExitCode.badInput;
  if (errored.length > 0) return ExitCode.runFailed;
  if (results.some((r) => r.status === 'missed')) return ExitCode.targetMissed;
  return ExitCode.ok;
}
