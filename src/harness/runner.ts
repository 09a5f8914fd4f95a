import { MemoptError, ExitCode } from '../errors.ts';
import { resolveMockConfig } from '../endpoint/mock/index.ts';
import { mockEndpoints, type ScenarioEndpoints } from './scenario-endpoint.ts';
import { describeFactoryVariant, isFactoryVariant } from './factory-variant.ts';
import { resolveComparePolicy, resolveMetricClass } from './compare-policy.ts';
import { createMemoryProbe } from './memory-probe.ts';
import type { MockApiConfigInput } from '../endpoint/mock/types.ts';
import type { ValidatedScenario } from './scenario-schema.ts';
import { median } from './statistics.ts';
import { checkTarget } from './targets.ts';
import type {
  DetailTable,
  MetricResult,
  MetricValues,
  RunContext,
  RunnerEvent,
  RunStep,
  MetricSpec,
  ScenarioManifest,
  ScenarioResult,
  ScenarioStatus,
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
  endpoints?: (mockInput: MockApiConfigInput) => ScenarioEndpoints;
}

type Side = 'baseline' | 'optimized';

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
  const mockInput = { seed, ...definition.mock };
  const endpointsFor = options.endpoints ?? mockEndpoints;
  const endpoints = endpointsFor(mockInput as MockApiConfigInput);
  // A user's endpoint has one time scale: no compressed-time pairs against it (see CompressedTimeSpec).
  const compressedSpec = definition.compressedTime && endpoints.describe().kind !== 'url' ? definition.compressedTime : null;
  const wantedPairs = compressedSpec ? (options.quick ? (compressedSpec.quickPairs ?? compressedSpec.pairs ?? 1) : (compressedSpec.pairs ?? 1)) : 0;
  const compressedTime = wantedPairs > 0 ? compressedSpec : null;
  const compressedPairs = compressedTime ? wantedPairs : 0;
  const steps = 1 + 2 * scenario.repetitions + 2 * compressedPairs + (sweep ? sweep.values.length * sweep.repetitions : 0);
  let stepIndex = 0;
  /** Runs one step between 'step-start' and 'step-end' events. */
  const step = async <T>(info: Omit<RunStep, 'index' | 'steps'>, work: () => Promise<T>): Promise<T> => {
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
  emit({ type: 'scenario-start', scenario: definition.name, steps });
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
  let compressedEndpoints: ScenarioEndpoints | null = null;
  let sweepEndpoints: ScenarioEndpoints | null = null;
  const manifest = (): ScenarioManifest => ({
    fileSha256: scenario.fileSha256 ?? '',
    workload: scenario.workload,
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
      return await driver.run(prepared, params, context);
    } finally {
      await release();
    }
  };
  /** prepare() gets an endpoint of its own, closed before the first run (one mock may be open at a time). */
  const prepareOnce = async () => {
    const { endpoint, release } = await endpoints.open();
    try {
      return await driver.prepare(scenario.workload, { seed, quick: options.quick, file: scenario.file, endpoint });
    } finally {
      await release();
    }
  };

  let sweepTable: DetailTable | null = null;
  let prepared: unknown;
  let preparedOk = false;
  try {
    prepared = await step({ phase: 'prepare' }, prepareOnce);
    preparedOk = true;
    for (let repetition = 0; repetition < scenario.repetitions; repetition++) {
      const order: Side[] = repetition % 2 === 0 ? ['baseline', 'optimized'] : ['optimized', 'baseline'];
      for (const side of order) {
        const label = labelOf(side);
        log(`${definition.name}: repetition ${repetition + 1}/${scenario.repetitions}, ${label}`);
        const params = side === 'baseline' ? scenario.baselineParams : scenario.optimizedParams;
        const output = await step({ phase: 'repetition', side, variant: label, repetition }, () => runOnce(prepared, side, params, repetition));
        values[side].push(output.metrics);
        for (const table of output.details ?? []) details.push(withColumns(table, { side, variant: label, repetition }));
      }
    }
    if (compressedTime) {
      // Advisory pairs at a compressed time scale, on endpoints of their own; their detail tables are not kept.
      compressedEndpoints = endpointsFor({ ...mockInput, timeScale: compressedTime.timeScale } as MockApiConfigInput);
      for (let pair = 0; pair < compressedPairs; pair++) {
        const order: Side[] = pair % 2 === 0 ? ['baseline', 'optimized'] : ['optimized', 'baseline'];
        for (const side of order) {
          const label = labelOf(side);
          log(`${definition.name}: compressed-time pair ${pair + 1}/${compressedPairs} (timeScale ${compressedTime.timeScale}), ${label}`);
          const params = side === 'baseline' ? scenario.baselineParams : scenario.optimizedParams;
          const output = await step({ phase: 'compressed', side, variant: label, repetition: pair }, () =>
            runOnce(prepared, side, params, pair, undefined, compressedEndpoints!, { timeScale: compressedTime.timeScale }),
          );
          compressedValues[side].push(output.metrics);
        }
      }
      await compressedEndpoints.close();
    }
    if (sweep) {
      // The sweep's own detail tables are not kept: the sweep table is its record.
      const names = driver.metrics.map((m) => m.name);
      const sweepScale = definition.sweep?.timeScale;
      if (sweepScale !== undefined && endpoints.describe().kind !== 'url') {
        sweepEndpoints = endpointsFor({ ...mockInput, timeScale: sweepScale } as MockApiConfigInput);
      }
      sweepTable = { name: 'sweep', columns: ['side', 'variant', 'repetition', 'param', 'value', ...names, 'error'], rows: [] };
      for (let v = 0; v < sweep.values.length; v++) {
        const value = sweep.values[v];
        for (let repetition = 0; repetition < sweep.repetitions; repetition++) {
          const point = { param: sweep.param, value };
          const label = labelOf(sweep.side);
          log(`${definition.name}: sweep ${sweep.param} = ${value} (${v + 1}/${sweep.values.length}), ${label}`);
          const row = await step({ phase: 'sweep', side: sweep.side, variant: label, repetition, sweep: point }, async () => {
            try {
              const output = await runOnce(prepared, sweep.side, sweep.params[v], repetition, point, sweepEndpoints ?? endpoints);
              return [...names.map((n) => (isNumber(output.metrics[n]) ? output.metrics[n] : null)), null];
            } catch (error) {
              // A sweep point that fails is a row saying so; the scenario's own result stands.
              if (error instanceof MemoptError && error.exitCode === ExitCode.badInput) throw error;
              return [...names.map(() => null), (error as Error)?.message ?? String(error)];
            }
          });
          sweepTable.rows.push([sweep.side, label, repetition, sweep.param, value, ...row]);
        }
      }
    }
  } catch (error) {
    if (preparedOk) await driver.release?.(prepared).catch(() => {});
    const exitCode = error instanceof MemoptError ? error.exitCode : ExitCode.runFailed;
    const result: ScenarioResult = {
      ...base,
      status: 'errored',
      error: { message: (error as Error).message ?? String(error), exitCode },
      metrics: [],
      details: mergeDetails(details),
      durationMs: performance.now() - started,
      manifest: manifest(),
    };
    emit({ type: 'scenario-end', scenario: definition.name, result });
    return result;
  } finally {
    await endpoints.close();
    await compressedEndpoints?.close();
    await sweepEndpoints?.close();
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
  const result: ScenarioResult = { ...base, status, metrics, details: allDetails, durationMs: performance.now() - started, manifest: manifest() };
  emit({ type: 'scenario-end', scenario: definition.name, result });
  return result;
}

/** The spec with its class resolved (scenario override, driver's class, kind default), as run.json records it. */
function withClass(spec: MetricSpec, scenario: ValidatedScenario): MetricSpec {
  return { ...spec, class: resolveMetricClass(spec, scenario.classes[spec.name]) };
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
