import { MemoptError, ExitCode } from '../errors.ts';
import { startMockApi, type MockApi } from '../mock/index.ts';
import { createMemoryProbe } from './memory-probe.ts';
import type { ValidatedScenario } from './scenario-schema.ts';
import { median } from './statistics.ts';
import { checkTarget } from './targets.ts';
import type { DetailTable, MetricResult, MetricValues, RunContext, ScenarioResult, ScenarioStatus } from './types.ts';

export interface RunScenarioOptions {
  quick: boolean;
  /** Progress lines for humans (stderr). */
  log?: (message: string) => void;
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
  const log = options.log ?? (() => {});
  const started = performance.now();
  const values: Record<Side, MetricValues[]> = { baseline: [], optimized: [] };
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

  try {
    const prepared = await driver.prepare(scenario.workload, { seed, quick: options.quick, file: scenario.file });
    for (let repetition = 0; repetition < scenario.repetitions; repetition++) {
      const order: Side[] = repetition % 2 === 0 ? ['baseline', 'optimized'] : ['optimized', 'baseline'];
      for (const side of order) {
        const label = side === 'baseline' ? definition.baseline.label : definition.optimized.label;
        log(`${definition.name}: repetition ${repetition + 1}/${scenario.repetitions}, ${label}`);
        const params = side === 'baseline' ? scenario.baselineParams : scenario.optimizedParams;
        const mock: MockApi = startMockApi({ seed, ...definition.mock });
        try {
          const context: RunContext = { seed, quick: options.quick, mock, memory: createMemoryProbe(), repetition, side, log };
          const output = await driver.run(prepared, params, context);
          values[side].push(output.metrics);
          for (const table of output.details ?? []) details.push(withColumns(table, { side, variant: label, repetition }));
        } finally {
          mock.close();
        }
      }
    }
  } catch (error) {
    const exitCode = error instanceof MemoptError ? error.exitCode : ExitCode.runFailed;
    return {
      ...base,
      status: 'errored',
      error: { message: (error as Error).message ?? String(error), exitCode },
      metrics: [],
      details: mergeDetails(details),
      durationMs: performance.now() - started,
    };
  }

  const metrics = driver.metrics
    .map((spec): MetricResult | null => {
      const baselineSamples = values.baseline.map((v) => v[spec.name]).filter(isNumber);
      const optimizedSamples = values.optimized.map((v) => v[spec.name]).filter(isNumber);
      if (baselineSamples.length === 0 && optimizedSamples.length === 0) return null;
      const b = baselineSamples.length ? median(baselineSamples) : null;
      const o = optimizedSamples.length ? median(optimizedSamples) : null;
      const changePct = b !== null && o !== null && b !== 0 ? ((o - b) / Math.abs(b)) * 100 : null;
      const result: MetricResult = { ...spec, baseline: b, optimized: o, changePct, baselineSamples, optimizedSamples, targets: [] };
      result.targets = scenario.targets.filter((t) => t.metric === spec.name).map((t) => checkTarget(t, result));
      return result;
    })
    .filter((m): m is MetricResult => m !== null);

  // A target on a metric the driver never produced is a miss, not silently dropped.
  for (const target of scenario.targets) {
    if (!metrics.some((m) => m.name === target.metric)) {
      const spec = driver.metrics.find((m) => m.name === target.metric)!;
      const empty: MetricResult = { ...spec, baseline: null, optimized: null, changePct: null, baselineSamples: [], optimizedSamples: [], targets: [] };
      empty.targets = [checkTarget(target, empty)];
      metrics.push(empty);
    }
  }

  const missed = metrics.some((m) => m.targets.some((t) => t.gate === 'strict' && !t.passed));
  const status: ScenarioStatus = missed ? 'missed' : 'passed';
  return { ...base, status, metrics, details: mergeDetails(details), durationMs: performance.now() - started };
}

function isNumber(value: number | undefined): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

/** Prefixes a driver's table with which side, variant and repetition produced each row. */
function withColumns(table: DetailTable, extra: { side: Side; variant: string; repetition: number }): DetailTable {
  return {
    name: table.name,
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
    else byName.set(table.name, { name: table.name, columns: table.columns, rows: [...table.rows] });
  }
  return [...byName.values()];
}

/** The process exit code for a set of results: bad input 2, a failed run 3, a missed strict target 1, else 0. */
export function exitCodeFor(results: readonly ScenarioResult[]): number {
  const errored = results.filter((r) => r.status === 'errored');
  if (errored.some((r) => r.error?.exitCode === ExitCode.badInput)) return ExitCode.badInput;
  if (errored.length > 0) return ExitCode.runFailed;
  if (results.some((r) => r.status === 'missed')) return ExitCode.targetMissed;
  return ExitCode.ok;
}
