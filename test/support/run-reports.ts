/** Builders of plain run data (environment, scenario and metric results) for compare and report tests. */
import { resolveComparePolicy } from '../../src/harness/compare-policy.ts';
import { median } from '../../src/util/median.ts';
import type { ComparePolicy, CompletedScenarioResult, EnvironmentInfo, ErroredScenarioResult, MetricKind, MetricResult, RunReport, ScenarioResult } from '../../src/harness/types.ts';

export function environment(overrides: Partial<EnvironmentInfo> = {}): EnvironmentInfo {
  return {
    runId: 'run-1', startedAt: '2026-01-01T00:00:00.000Z', seed: 'per-scenario', quick: true, node: 'v20.20.2',
    platform: 'linux', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 1024, packages: { openai: '6.0.0' }, gitCommit: null,
    ...overrides,
  };
}

export function metric(
  name: string,
  kind: MetricKind,
  baselineSamples: number[],
  optimizedSamples: number[],
  options: { better?: 'lower' | 'higher'; unit?: string; compare?: Partial<ComparePolicy> } = {},
): MetricResult {
  const med = (xs: number[]) => (xs.length === 0 ? null : median(xs));
  const spec = { name, unit: options.unit ?? (kind === 'timing' ? 'ms' : 'requests'), kind, better: options.better ?? 'lower', description: '' } as const;
  return {
    ...spec,
    baseline: med(baselineSamples),
    optimized: med(optimizedSamples),
    changePct: null,
    baselineSamples,
    optimizedSamples,
    targets: [],
    comparePolicy: resolveComparePolicy(spec, options.compare),
  };
}

type Common = Omit<CompletedScenarioResult, 'status' | 'metrics'>;

function common(name: string): Common {
  return {
    name, file: `scenarios/${name}.ts`, description: '', driver: 'fixed', seed: 42, quick: true, repetitions: 3,
    baselineLabel: 'naive', optimizedLabel: 'batched', details: [], durationMs: 1,
  };
}

/** A completed scenario ('passed' unless overridden with 'missed'). */
export function scenario(name: string, metrics: MetricResult[], overrides: Partial<Omit<CompletedScenarioResult, 'metrics'>> = {}): CompletedScenarioResult {
  return { ...common(name), status: 'passed', metrics, ...overrides };
}

/** A scenario whose run threw. */
export function erroredScenario(name: string, message: string, overrides: Partial<Common> = {}): ErroredScenarioResult {
  return { ...common(name), status: 'errored', error: { message, exitCode: 3 }, metrics: [], ...overrides };
}

export function run(scenarios: ScenarioResult[], env: Partial<EnvironmentInfo> = {}): RunReport {
  return { environment: environment(env), scenarios };
}
