/**
 * Every public type of the harness, in one place. The harness loads a scenario, runs its baseline and optimized
 * variants interleaved on the same workload, collects metrics and checks targets. It produces plain data
 * (`ScenarioResult`, `RunReport`); reporters turn that data into bytes and know nothing of how it was measured.
 */
import type { z } from 'zod';
import type { MockApi, MockApiConfig } from '../mock/index.ts';

/** Whether a smaller or a larger value of a metric is better. */
export type Better = 'lower' | 'higher';

/** How a metric behaves across repetitions: exact counters gate strictly; timings only as interleaved ratios. */
export type MetricKind = 'counter' | 'timing' | 'memory' | 'ratio';

export interface MetricSpec {
  name: string;
  /** Unit written in reports: 'requests', 'tokens', 'usd', 'ms', 'bytes', 'texts/s', 'x', 'fraction', ... */
  unit: string;
  kind: MetricKind;
  better: Better;
  description: string;
  /** Metric only exists for one side (e.g. the batcher's queue length); the other side is left empty. */
  only?: 'baseline' | 'optimized';
}

/** One measured value per metric name; a driver may omit a metric that does not apply to a variant. */
export type MetricValues = Record<string, number>;

/** An extra table a driver returns (a sweep, a per-repetition breakdown); written as its own CSV. */
export interface DetailTable {
  name: string;
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
}

export interface VariantRunOutput {
  metrics: MetricValues;
  details?: DetailTable[];
}

/** What the runner hands a driver for one run of one variant. */
export interface RunContext {
  /** The run's seed (scenario seed, or --seed). Same for both variants. */
  seed: number;
  quick: boolean;
  /** A fresh mocked API for this run alone; its ledger starts at zero. */
  mock: MockApi;
  /** Forces GC and samples heap at points the driver chooses. */
  memory: MemoryProbe;
  /** 0-based repetition index. */
  repetition: number;
  /** Which side is running. */
  side: 'baseline' | 'optimized';
  /** Progress lines for humans (stderr); never parsed. */
  log(message: string): void;
}

export interface MemorySample {
  label: string;
  /** process.memoryUsage().heapUsed after a forced full GC. */
  heapUsedBytes: number;
  /** process.memoryUsage().arrayBuffers after the same GC (typed arrays, Buffers). */
  arrayBuffersBytes: number;
}

export interface MemoryProbe {
  /** Forces a full GC and records heap and array-buffer use under this label. */
  sample(label: string): MemorySample;
  samples(): readonly MemorySample[];
}

/**
 * A workload driver knows how to run one kind of workload (ingest, search trace, index build, batch operations)
 * against one variant's parts. Scenario files choose a driver and give it data that its schemas validate.
 */
export interface WorkloadDriver<W = unknown, P = unknown, S = unknown, WIn = W, PIn = P> {
  name: string;
  /** Validates the scenario's `workload` (after --quick overrides are applied); fills its defaults. */
  workloadSchema: z.ZodType<W, WIn>;
  /** Validates each variant's `params`; fills their defaults. */
  variantSchema: z.ZodType<P, PIn>;
  metrics: readonly MetricSpec[];
  /** Work shared by every run (load the dataset, ...); not timed. */
  prepare(workload: W, context: { seed: number; quick: boolean; file: string }): Promise<S>;
  /** One run of one variant. The runner gives each call a fresh mock. */
  run(prepared: S, params: P, context: RunContext): Promise<VariantRunOutput>;
}

export interface VariantSpec<P = unknown> {
  /** Short name shown in reports, e.g. 'naive', 'batched'. */
  label: string;
  params: P;
}

/**
 * A target on one metric. `strict` targets decide the exit code; `advisory` ones are reported (passed or missed)
 * but never fail a run: used for absolute timings, which a shared machine cannot gate without flakes.
 */
export type TargetSpec = {
  metric: string;
  gate?: 'strict' | 'advisory';
  /** Why this target, shown in `memopt list`. */
  note?: string;
} & (
  | { /** (baseline - optimized) / baseline x 100 >= atLeastPct */ kind: 'reduction'; atLeastPct: number }
  | { /** optimized <= max */ kind: 'max'; max: number }
  | { /** optimized >= min */ kind: 'min'; min: number }
  | { /** optimized <= baseline x (1 + pct/100) */ kind: 'not-worse'; pct: number }
  | { /** median over repetitions of baseline/optimized for this timing metric >= atLeast */ kind: 'speedup'; atLeast: number }
);

/** W/P are what the driver receives; WIn/PIn what a scenario file writes (fields with defaults may be left out). */
export interface ScenarioDefinition<W = unknown, P = unknown, S = unknown, WIn = W, PIn = P> {
  /** Unique kebab-case name; reports are named after it. */
  name: string;
  description: string;
  driver: WorkloadDriver<W, P, S, WIn, PIn>;
  /** Default 42; `--seed` overrides. */
  seed?: number;
  workload: WIn;
  /** Fields of `workload` replaced under --quick (CI): smaller, still meaningful. */
  quick?: Partial<WIn>;
  /** The mocked API's configuration for every run of this scenario. */
  mock?: DeepPartial<MockApiConfig>;
  /** Interleaved baseline/optimized repetitions; default { full: 3, quick: 2 }. */
  repetitions?: { full: number; quick: number };
  baseline: VariantSpec<PIn>;
  optimized: VariantSpec<PIn>;
  targets: TargetSpec[];
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | T[K] : T[K] };

export interface TargetResult {
  /** Human form, e.g. '<= -50%', '>= 2x', '<= 1024'. */
  text: string;
  gate: 'strict' | 'advisory';
  passed: boolean;
  /** The number the target was checked against (e.g. the reduction in %, the median speedup). */
  measured: number;
}

export interface MetricResult extends MetricSpec {
  /** Median over repetitions; null where the metric does not apply to that side. */
  baseline: number | null;
  optimized: number | null;
  /** (optimized - baseline) / baseline x 100; null if either is missing or baseline is 0. */
  changePct: number | null;
  /** Every repetition's value, in order. */
  baselineSamples: number[];
  optimizedSamples: number[];
  targets: TargetResult[];
}

export type ScenarioStatus = 'passed' | 'missed' | 'errored';

export interface ScenarioResult {
  name: string;
  file: string;
  description: string;
  driver: string;
  seed: number;
  quick: boolean;
  repetitions: number;
  baselineLabel: string;
  optimizedLabel: string;
  status: ScenarioStatus;
  /** Set when status is 'errored'. */
  error?: { message: string; exitCode: number };
  metrics: MetricResult[];
  details: DetailTable[];
  durationMs: number;
}

export interface EnvironmentInfo {
  runId: string;
  startedAt: string;
  seed: number | 'per-scenario';
  quick: boolean;
  node: string;
  platform: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  packages: Record<string, string>;
  gitCommit: string | null;
}

export interface RunReport {
  environment: EnvironmentInfo;
  scenarios: ScenarioResult[];
}
