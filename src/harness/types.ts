/**
 * Every public type of the harness, in one place. The harness loads a scenario, runs its baseline and optimized
 * variants interleaved on the same workload, collects metrics and checks targets. It produces plain data
 * (`ScenarioResult`, `RunReport`); reporters turn that data into bytes and know nothing of how it was measured.
 */
import type { z } from 'zod';
import type { EmulatedApiConfig } from '../endpoint/emulated-api/index.ts';
import type { BatchingPlan } from '../endpoint/cost-guard.ts';
import type { EmbeddingsEndpoint } from '../endpoint/types.ts';
import type { RunPostgres } from '../parts/vector-store/database.ts';
import type { UserPartCall } from './user-part.ts';
import type { TransportTally } from './transport-tally.ts';

/** Whether a smaller or a larger value of a metric is better. */
export type Better = 'lower' | 'higher';

/** How a metric behaves across repetitions: exact counters gate strictly; timings only as interleaved ratios. */
export type MetricKind = 'counter' | 'timing' | 'memory' | 'ratio';

/**
 * What a metric's value depends on, which decides how it is gated (`memopt compare`, `memopt merge`, the CI's
 * determinism check):
 * - 'exact': a pure function of the seed and the inputs (requests, tokens, bytes, hits, recall on a fixed seed): it
 *   reproduces bit for bit on any machine, under any load, sharded or not, so a changed value is a certain change;
 * - 'timing': measured time or memory, different in every run: gated only as ratios of interleaved runs, with a
 *   statistical test;
 * - 'time-dependent': a counter that follows from real timing (a real endpoint's rate limits, the order in which
 *   concurrent requests reach a rate limiter): reported, gated only with a stated tolerance (`compare.noisePct`,
 *   default 10%).
 * Default by kind: counter and ratio 'exact', timing and memory 'timing'.
 */
export type MetricClass = 'exact' | 'timing' | 'time-dependent';

export interface MetricSpec {
  name: string;
  /** Unit written in reports: 'requests', 'tokens', 'usd', 'ms', 'bytes', 'texts/s', 'x', 'fraction', ... */
  unit: string;
  kind: MetricKind;
  better: Better;
  description: string;
  /** Metric only exists for one side (e.g. the batcher's queue length); the other side is left empty. */
  only?: 'baseline' | 'optimized';
  /**
   * What the value depends on (see MetricClass). Default by kind: counter and ratio 'exact', timing and memory
   * 'timing'. A driver sets 'time-dependent' on a counter that real timing decides; a scenario may override it per
   * metric (`classes`). Recorded resolved in run.json and summary.csv.
   */
  class?: MetricClass;
  /**
   * How `memopt compare` judges this metric between two runs. Default by kind: counters and ratios 'exact',
   * timings and memory 'statistical' (see `ComparePolicy`). A driver sets this for a counter that is not a pure
   * function of the seed (e.g. a request count that depends on timing); a scenario may override it per metric.
   */
  compare?: Partial<ComparePolicy>;
}

/**
 * How two runs of one metric are compared (`memopt compare`). Each comparison ends in one verdict: 'improved',
 * 'regressed', 'unchanged' or 'inconclusive'; only 'regressed' on a strict metric fails a build.
 */
export interface ComparePolicy {
  /**
   * 'exact': the metric is a pure function of the seed (requests, tokens, bytes, hits, recall on a fixed seed), so
   * any difference beyond `noisePct` is a change, with no test. If its repetitions disagree within a run, it is not
   * deterministic after all: it is then compared like a timing, with a band of at least 10%, and flagged 'varies'.
   * 'statistical': a two-sided Mann-Whitney U test over the repetitions of each run, a bootstrap confidence
   * interval of the ratio of medians (current / saved), a noise band and a minimum effect size; all must agree.
   * Default: 'exact' for kind counter and ratio, 'statistical' for timing and memory.
   */
  method: 'exact' | 'statistical';
  /**
   * Noise band, in % of the saved median: a change is only called when it lies outside +-noisePct (for
   * 'statistical', the whole confidence interval must). Default 0 for 'exact', 10 for 'statistical'.
   */
  noisePct: number;
  /** Significance level of the test and 1 - confidence of the interval ('statistical'). Default 0.05. */
  alpha: number;
  /**
   * Minimum effect size, as |Cliff's delta| (0..1: the share of cross-run pairs that agree on the direction,
   * minus those that disagree): a significant shift smaller than this is not called. Default 0.5 ('large').
   */
  minEffectSize: number;
  /** 'strict': a regression fails `memopt compare` (exit 1); 'advisory': reported only. Default 'strict'. */
  gate: 'strict' | 'advisory';
}

/**
 * A parameter sweep: after the interleaved repetitions, the runner runs one variant again for each value of one of
 * its params (everything else unchanged, a fresh mock each time) and writes the metrics per value as the detail
 * table `sweep` (`<scenario>.sweep.csv`), which `memopt report` charts. Timings in a sweep are single runs, not
 * interleaved pairs: read their shape, not their digits.
 */
export interface SweepSpec {
  /** A param of the variant's params schema, e.g. 'maxBatchSize'; every value must pass that schema. */
  param: string;
  values: ReadonlyArray<number | string | boolean>;
  /** Used instead of `values` under --quick. Default: `values`. */
  quickValues?: ReadonlyArray<number | string | boolean>;
  /** Which variant is swept. Default 'optimized'. */
  side?: 'baseline' | 'optimized';
  /** Runs per value. Default 1. */
  repetitions?: number;
  /**
   * The mock's timeScale for the sweep's runs, when it charts counters that do not depend on waiting out the
   * modelled latency (requests per batch size). Default: the scenario's own. Say so where the sweep is charted.
   */
  timeScale?: number;
}

/** One measured value per metric name; a driver may omit a metric that does not apply to a variant. */
export type MetricValues = Record<string, number>;

/** An extra table a driver returns (a sweep, a per-repetition breakdown); written as its own CSV. */
export interface DetailTable {
  name: string;
  columns: string[];
  rows: Array<Array<string | number | boolean | null>>;
  /** How `memopt report` may chart this table (kept in run.json); reporters read this, never table names. */
  chart?: ChartHint;
}

/**
 * What to plot from a detail table, set by the driver that produces it. Text fields may name a column in braces
 * ('{invalidation}'): the reporter writes that column's first value there. In a group text, a part in square
 * brackets ('[ + re-rank {rerank}]') is left out when a column it names is empty or 'none'.
 */
export type ChartHint = LineChartHint | FrontChartHint;

interface ChartHintBase {
  /** The chart's id after the scenario's name: charts/<scenario>-<id>.svg. */
  id: string;
  title: string;
  /** What the chart shows, one or two sentences; the reporter adds the scenario and the CSV it read. */
  caption: string;
  /** Only rows whose columns have these values are plotted. */
  where?: Record<string, string | number>;
}

export interface ChartAxisHint {
  /** The column plotted on this axis. */
  column: string;
  title: string;
  /** 'auto': log when more than two values span a factor of 8 or more. Default 'linear'. */
  scale?: 'linear' | 'log' | 'auto';
  /** Integer ticks only. */
  integer?: boolean;
  domain?: [number, number];
  /** Tick label format (d3-format), e.g. '.0%'. */
  format?: string;
  /** Unit written after a value of this axis in captions, e.g. 'B'. */
  unit?: string;
}

/** One line of a line chart. */
export type ChartSeriesHint =
  /** y from a column, per x: the median over every repetition's rows (default) or the first repetition's value. */
  | { name: string; column: string; style: 'measured' | 'bound'; rows?: 'median' | 'first' }
  /** The ideal y = x (dashed), capped at a column's first value when `cap` names one. */
  | { name: string; ideal: true; cap?: string }
  /** A ceiling (dashed): a column's first value across the x range; `{value}` in the name shows it (`digits`
   *  decimals; `missing` when the column has none). */
  | { name: string; ceiling: string; digits?: number; missing?: string }
  /** A scenario metric's measured value against a variant param: the runner's sweep of that param when there is one
   *  (named `sweepName`), else one point at the optimized variant's value (named `pointName`, `{value}` = it). */
  | { metric: string; param: string; sweepName: string; pointName: string };

export interface LineChartHint extends ChartHintBase {
  type: 'line';
  x: ChartAxisHint;
  y: Omit<ChartAxisHint, 'column'>;
  series: ChartSeriesHint[];
}

/** Points of cost (x) against quality (y) from the first repetition, with their Pareto front. */
export interface FrontChartHint extends ChartHintBase {
  type: 'front';
  x: ChartAxisHint;
  y: ChartAxisHint;
  /** Colour of each point: a text built from its columns, and the legend's title. */
  group: { text: string; title: string };
  /** Column whose value labels each point. */
  label?: string;
  /** Template naming a point in the caption's list of the front's members (like `group.text`). Default: its group. */
  name?: string;
  /** Metric whose `>= N` target (from summary.csv) is drawn as a rule. */
  target?: string;
  /** Other detail tables of the same scenario plotted on the same axes (same x and y columns), each with its own
   *  colour text and label column; the front is taken over all points. */
  also?: Array<{ table: string; group: string; label?: string; name?: string }>;
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
  /** A fresh embeddings endpoint for this run alone (today the in-process mock); its ledger starts at zero. */
  endpoint: EmbeddingsEndpoint;
  /** Forces GC and samples heap at points the driver chooses. */
  memory: MemoryProbe;
  /** 0-based repetition index. */
  repetition: number;
  /** Which side is running. */
  side: 'baseline' | 'optimized';
  /** Progress lines for humans (stderr); never parsed. */
  log(message: string): void;
  /**
   * Records a configuration fact in the run manifest (run.json, under the scenario's `notes`), e.g.
   * `note('tinybench:batcher_overhead', { time: 400, iterations: 10 })`. The first value per key is kept.
   */
  note?(key: string, value: unknown): void;
  /** Set while the runner sweeps a param (see `SweepSpec`): the param and this run's value. */
  sweep?: { param: string; value: number | string | boolean };
  /**
   * Set on the advisory compressed-time pairs (see `CompressedTimeSpec`): a driver leaves out extras that are not
   * part of the pair's measurement (a curve, an overhead benchmark).
   */
  compressedTime?: { timeScale: number };
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
 * A file a driver will read, declared through `WorkloadDriver.inputs` so the harness reads and checks every one
 * (each line parsed, line numbers in errors) and hashes it for run.json before any scenario starts. Later kinds
 * (vector files, endpoints, database URLs) join this union.
 */
export type InputDeclaration = FileInputDeclaration | PostgresInputDeclaration;

/**
 * A user's Postgres named by an environment variable: before any scenario starts the variable must be set, the
 * server must answer and accept the login, and have pgvector (exit 2 otherwise). Not hashed and not recorded in
 * run.json (the connection string never is).
 */
export interface PostgresInputDeclaration {
  kind: 'postgres';
  /** The environment variable holding the connection string. */
  connectionEnv: string;
  /** The workload field that names it, for messages, e.g. 'optimized.params.connectionEnv'. */
  field: string;
}

export interface FileInputDeclaration {
  /**
   * How the file is checked: 'dataset' and 'queries' (JSONL records, unique ids), 'trace' (JSONL trace ops),
   * 'vectors' (a vector file: .npy, .fvecs, raw float32 + JSON sidecar, .jsonl; every row checked; records = rows).
   */
  kind: 'dataset' | 'queries' | 'trace' | 'vectors' | 'agent-trace';
  /**
   * The path as the workload holds it. When the field is the workload field `field` names, a relative path there is
   * resolved against the scenario file's folder before the driver sees the workload (src/harness/scenario-paths.ts).
   */
  path: string;
  /** The workload field that names it, for messages, e.g. 'workload.dataset'. */
  field: string;
  /**
   * The run needs at least `count` records, asked for by the workload field `field` (e.g. 'workload.size'); `why`
   * says how the count follows from the field when it is not the field's value (e.g. 'holdOut + 1').
   */
  atLeast?: { count: number; field: string; why?: string };
  /** A vector file whose rows must have the width of the file declared under this field (e.g. 'workload.vectors.base'). */
  sameWidthAs?: string;
}

/** A declared input after its check: what run.json records under each scenario's manifest. */
export interface CheckedInput {
  kind: FileInputDeclaration['kind'];
  field: string;
  path: string;
  /** sha256 of the file's bytes when it was checked. */
  sha256: string;
  /** Records (or trace operations) it holds. */
  records: number;
}

/**
 * A workload driver knows how to run one kind of workload (ingest, search trace, index build, batch operations)
 * against one variant's parts. Scenario files choose a driver and give it data that its schemas validate.
 */
export interface WorkloadDriver<W = unknown, P = unknown, S = unknown, WIn = W, PIn = P, F = never> {
  name: string;
  /** Validates the scenario's `workload` (after --quick overrides are applied); fills its defaults. */
  workloadSchema: z.ZodType<W, WIn>;
  /** Validates each variant's `params`; fills their defaults. */
  variantSchema: z.ZodType<P, PIn>;
  metrics: readonly MetricSpec[];
  /**
   * Every file `prepare` and `run` will read for this workload (after defaults), so the harness checks and hashes
   * them all before the first scenario starts. Default: none.
   */
  inputs?(workload: W, variants?: { baseline: unknown; optimized: unknown }): InputDeclaration[];
  /** Releases what prepare() or the runs opened for the whole scenario (a database server...), after its last run. */
  release?(prepared: S): Promise<void>;
  /** Work shared by every run (load the dataset, ...); not timed. */
  prepare(workload: W, context: PrepareContext): Promise<S>;
  /**
   * One run of one variant: its validated params, or the scenario's own factory (see `FactoryVariant`). The runner
   * gives each call a fresh endpoint.
   */
  run(prepared: S, params: DriverParams<P, F>, context: RunContext): Promise<VariantRunOutput>;
  /**
   * Set when a variant may bring its own part instead of params: which interface the factory's object must
   * implement (e.g. 'Embedder'). A driver without it takes params only.
   */
  factory?: { part: string };
  /**
   * Cost (x) against quality (y), two of the driver's metrics, for every variant a scenario runs: the runner writes
   * them as the `variants` table (baseline and optimized: medians over the gated repetitions; each swept value:
   * the median over its runs) with a Pareto-front chart hint, so any scenario of this driver, a user's part's
   * included, gets the chart. `target`: the metric whose `>= N` target is drawn.
   */
  variantsChart?: { title: string; x: ChartAxisHint; y: ChartAxisHint; target?: string };
  /**
   * The embeddings requests this workload may send at most, for the cost guard of a user's endpoint
   * (`run --endpoint URL`): each entry a set of texts sent `times` times, batched as its plan says, every attempt
   * billed. A driver without it calls no embeddings API: its scenarios are refused against a url endpoint.
   */
  apiRequests?(workload: W, context: ApiRequestContext): Promise<ApiRequestPlan[]>;
  /**
   * Set when the workload's `trace` field is an agent-memory trace (src/datasets/agent-trace.ts): `memopt run
   * --trace FILE` replaces it with the user's file, in the full and the quick form.
   */
  takesAgentTrace?: boolean;
}

/** What a driver's apiRequests() gets: the scenario's seed and how many runs each side makes (sweep included). */
export interface ApiRequestContext {
  seed: number;
  runs: { baseline: number; optimized: number };
}

/** One set of texts a scenario sends, how (inputs per request, retries) and how many times over. */
export interface ApiRequestPlan {
  texts: readonly string[];
  model: string;
  batching: BatchingPlan;
  times: number;
}

/** What the runner hands a driver's prepare(). */
export interface PrepareContext {
  seed: number;
  quick: boolean;
  file: string;
  /**
   * An endpoint of the kind the runs use, open for prepare() alone (closed before the first run): for reference
   * vectors (`endpoint.reference`) of the stored texts and queries, computed once.
   */
  endpoint: EmbeddingsEndpoint;
  /**
   * The run's Postgres (`memopt run --pg-env / --pg-url`), for pgvector indexes that name none of their own:
   * a driver hands it to its PgDatabases. Absent: a PGlite server per scenario.
   */
  postgres?: RunPostgres;
}

/** A variant given by params for the driver's own parts (memopt's, chosen and configured by plain values). */
export interface ParamsVariantSpec<P = unknown> {
  /** Short name shown in reports, e.g. 'naive', 'batched'. */
  label: string;
  params: P;
}

/**
 * A variant that brings its own part: `factory` returns any object implementing the driver's part interface
 * (Embedder, VectorIndex, SearchResultCache; see the driver's `factory`). run.json records it by its label and
 * `version`, so two runs of a user's part can be told apart.
 */
export interface FactoryVariantSpec<F = never> {
  label: string;
  factory: F;
  /**
   * Your part's own settings, handed to the factory as `context.params` and recorded in run.json. A `sweep` over a
   * factory variant varies one of them (`sweep.param` must be a key here; its value here is the default the gated
   * runs use). Plain values only (numbers, strings, booleans), as a sweep's values are.
   */
  params?: Record<string, number | string | boolean>;
  /** The user's version string for this part (e.g. a git hash or semver), recorded in run.json. */
  version?: string;
}

export type VariantSpec<P = unknown, F = never> = ParamsVariantSpec<P> | FactoryVariantSpec<F>;

/** What run() receives: params, or also a factory variant when the driver takes factories (F is not never). */
export type DriverParams<P, F> = [F] extends [never] ? P : P | FactoryVariant<F>;

/** What a driver's run() receives for a factory variant (in place of params). */
export interface FactoryVariant<F = unknown> {
  kind: 'factory';
  factory: F;
  label: string;
  version: string | undefined;
  /** The variant's `params` ({} when it gives none); a sweep point's copy has the swept value in place. */
  params?: Readonly<Record<string, number | string | boolean>>;
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

/** A scenario's `endpoint`: the emulated API's options, and the model it answers with. */
export type EndpointOptions = DeepPartial<EmulatedApiConfig> & {
  /**
   * A real model the scenario's server answers with instead of the mock's generative model ('use-lite', or
   * 'onnx:<folder>'); the endpoint's reference vectors are then that model's. Only the 'server' endpoint kind (the
   * default) serves one.
   */
  model?: string;
};

/** W/P are what the driver receives; WIn/PIn what a scenario file writes (fields with defaults may be left out). */
export interface ScenarioDefinition<W = unknown, P = unknown, S = unknown, WIn = W, PIn = P, F = never> {
  /** Unique kebab-case name; reports are named after it. */
  name: string;
  description: string;
  driver: WorkloadDriver<W, P, S, WIn, PIn, F>;
  /** Default 42; `--seed` overrides. */
  seed?: number;
  workload: WIn;
  /** Fields of `workload` replaced under --quick (CI): smaller, still meaningful. */
  quick?: Partial<WIn>;
  /**
   * The emulated embeddings API this scenario's runs talk to (memopt's server, or in process): its latency, rate
   * limits, faults, time scale and clock, and `model`, the real model it answers with instead of the mock's
   * generative one. Ignored against a user's endpoint (`run --endpoint URL`), but for `model`.
   */
  endpoint?: EndpointOptions;
  /** @deprecated The old name of `endpoint` (read, with a warning). */
  mock?: EndpointOptions;
  /** Interleaved baseline/optimized repetitions; default { full: 3, quick: 2 }. */
  repetitions?: { full: number; quick: number };
  baseline: VariantSpec<PIn, F>;
  optimized: VariantSpec<PIn, F>;
  /**
   * What the scenario must meet. Default none: the scenario only measures (its table and reports as usual), and
   * exits 0 unless a run fails.
   */
  targets?: TargetSpec[];
  /** Per-metric overrides of how `memopt compare` judges a metric (see `ComparePolicy`), keyed by metric name. */
  compare?: Record<string, Partial<ComparePolicy>>;
  /**
   * Per-metric overrides of the metric's class (see `MetricClass`), keyed by metric name: e.g. 'time-dependent'
   * for a counter that, in this scenario, follows from real timing (concurrent requests against a binding rate limit).
   */
  classes?: Record<string, MetricClass>;
  /** A param sweep of one variant, charted by `memopt report` (see `SweepSpec`). */
  sweep?: SweepSpec;
  /** Advisory interleaved pair(s) at a compressed modelled time scale, beside the gated ones (see `CompressedTimeSpec`). */
  compressedTime?: CompressedTimeSpec;
}

/**
 * Timing targets gate on runs at the scenario's own `endpoint.timeScale` (1 = real modelled latency). A compressed
 * scale (e.g. 0.1) makes runs shorter but shrinks only the modelled waits, not the client's CPU per request, so its
 * ratios flatter whichever side sends fewer requests. To keep that difference visible, the runner runs `pairs`
 * extra interleaved pairs on endpoints of their own at `timeScale` (after the gated pairs, before a sweep), and
 * reports each metric that has a `speedup` target again as `<metric>_compressed`, with the same target as advisory.
 * Skipped against a user's endpoint (`run --endpoint`: a real endpoint has one time scale).
 */
export interface CompressedTimeSpec {
  /** The mock's timeScale for these pairs, > 0 and below the scenario's own. */
  timeScale: number;
  /** Interleaved pairs at that scale. Default 1. */
  pairs?: number;
  /**
   * Pairs in a --quick run; default `pairs`. 0 runs none there (the advisory `<metric>_compressed` metrics are then
   * absent from quick runs), for a quick gate's time budget.
   */
  quickPairs?: number;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | T[K] : T[K] };

export interface TargetResult {
  /** Which kind of target this was (the spec's `kind`): reporters branch on it, never on `text`. */
  kind: TargetSpec['kind'];
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
  /** How `memopt compare` judges this metric: class defaults, the driver's `compare`, the scenario's override. */
  comparePolicy?: ComparePolicy;
}

/** What a scenario ran with, recorded in run.json so a run can be reproduced and two runs explained. */
export interface ScenarioManifest {
  /** sha256 of the scenario file's bytes. */
  fileSha256: string;
  /** Workload after --quick overrides and the driver's defaults. */
  workload: unknown;
  /** Params after the driver's defaults; for a factory variant `{ factory: label, version }`. */
  baselineParams: unknown;
  optimizedParams: unknown;
  /** The emulated API's full configuration (defaults filled in); the key keeps its old name so earlier runs compare. */
  mock: unknown;
  /**
   * The endpoint the runs talked to: 'server' (memopt's server in a child process), 'in-process' (the emulated API in this process; 'mock' in runs before it was renamed) or
   * 'url' (a user's endpoint: base URL without query, key variable and header/query names, never a value).
   * Absent in results from before it was recorded.
   */
  endpoint?: { kind: string; isolate?: string; baseURL?: string; [key: string]: unknown };
  sweep: SweepSpec | null;
  /** The advisory compressed-time pairs run, if any (absent in results from before they existed). */
  compressedTime?: CompressedTimeSpec | null;
  /** Facts drivers recorded with `context.note` (e.g. tinybench options). */
  notes: Record<string, unknown>;
  /** The files the driver declared it reads, each with its sha256 (absent in results from before they were). */
  inputs?: CheckedInput[];
}

export type ScenarioStatus = ScenarioResult['status'];

/** What every scenario result holds, whatever its state. */
interface ScenarioResultBase {
  name: string;
  file: string;
  description: string;
  driver: string;
  seed: number;
  quick: boolean;
  repetitions: number;
  baselineLabel: string;
  optimizedLabel: string;
  /** Detail tables (for an errored scenario: those of the runs that finished before the error). */
  details: DetailTable[];
  durationMs: number;
  /** What the scenario ran with (absent in results from before the manifest existed). */
  manifest?: ScenarioManifest;
  /** Against a user's endpoint: its requests by outcome over every run (no response by kind, HTTP statuses). */
  transport?: TransportTally;
}

/** Every run finished: 'missed' when a strict target was missed, else 'passed'. */
export interface CompletedScenarioResult extends ScenarioResultBase {
  status: 'passed' | 'missed';
  metrics: MetricResult[];
}

/** A run of the scenario threw: no metric is reported (a partial median would mislead). */
export interface ErroredScenarioResult extends ScenarioResultBase {
  status: 'errored';
  error: {
    message: string;
    exitCode: number;
    /** The error's stack (secrets removed): printed with `--verbose`, always kept in run.json. */
    stack?: string;
    /** When a user's part (a factory variant) threw: which variant, which interface, which call. */
    part?: UserPartCall;
  };
  metrics: [];
}

/** A scenario's result is a union on its state (as tinybench's task results are): a failure is a result, not a crash. */
export type ScenarioResult = CompletedScenarioResult | ErroredScenarioResult;

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
  /** True when the work tree had uncommitted changes (null without git). */
  gitDirty?: boolean | null;
  /** os.type(), os.release(), os.version(). */
  os?: string;
  /** os.availableParallelism(): cores this process may use. */
  availableParallelism?: number;
  /** os.freemem() when the run started. */
  freeMemoryBytes?: number;
  /** The command line, for reproducing the run. */
  argv?: string[];
  /** The process that wrote the run, and its host: a reader finding it 'running' with that process gone shows 'abandoned'. */
  pid?: number;
  hostname?: string;
  /** Set when --repetitions replaced every scenario's own count. */
  repetitions?: number | null;
  /** The mock's MOCK_MODEL_VERSION: its vectors (and so recall, hits, bytes) change with it. */
  mockModelVersion?: string;
  /** Set for `run --shard i/n`: this run's share of the selected scenarios (see src/harness/shard.ts). */
  shard?: ShardInfo | null;
  /** Set for a run `memopt merge` made of shard runs: each shard's folder, status and full manifest. */
  mergedFrom?: MergedShard[];
}

/** What a shard run records so `memopt merge` can check its shards belong together (run.json `environment.shard`). */
export interface ShardInfo {
  index: number;
  count: number;
  /** Every selected scenario, in the order an unsharded run would run them. */
  scenarios: string[];
  /** This shard's share, sorted by name. */
  assigned?: string[];
  /** How the share was dealt (by count, or by which duration file). */
  balance?: { by: 'count' } | { by: 'durations'; file: string; sha256: string; estimated: string[] };
  /** The input files of every selected scenario (each shard checks them all), for `merge` to compare. */
  inputs?: Array<{ scenario: string; field: string; path: string; sha256: string }>;
  /** The seed of every selected scenario (each shard loads them all), for `merge` to compare. */
  seeds?: Record<string, number>;
}

/** One shard of a merged run, as run.json's `environment.mergedFrom` records it. */
export interface MergedShard {
  index: number;
  dir: string;
  runId: string;
  status: RunStatus | undefined;
  exitCode: number | null | undefined;
  finishedAt: string | null | undefined;
  /** The shard run's own manifest (machine, versions, options, its shard info). */
  environment: EnvironmentInfo;
}

/** One unit of a scenario's work, as the runner announces it to a progress display. */
export interface RunStep {
  /** 1-based position among the scenario's `steps`. */
  index: number;
  steps: number;
  phase: 'prepare' | 'repetition' | 'compressed' | 'sweep';
  side?: 'baseline' | 'optimized';
  /** The variant's label. */
  variant?: string;
  /** 0-based repetition (of the pair, or of the sweep value). */
  repetition?: number;
  sweep?: { param: string; value: number | string | boolean };
}

/**
 * What the runner tells a progress display; plain data, formatted elsewhere (the runner never writes to a terminal).
 * Steps: prepare, then each run of each variant (2 x repetitions), then each compressed-time run, then each sweep run.
 */
export type RunnerEvent =
  | { type: 'scenario-start'; scenario: string; steps: number }
  | { type: 'step-start'; scenario: string; step: RunStep }
  | { type: 'step-end'; scenario: string; step: RunStep; durationMs: number; ok: boolean }
  | { type: 'log'; scenario: string; message: string }
  | { type: 'scenario-end'; scenario: string; result: ScenarioResult };

/**
 * A run's state, recorded in run.json from its start: 'running' until it ends (a run killed outright stays so);
 * 'complete' when every scenario ran to a verdict (passed or missed); 'failed' when a scenario errored or the run
 * itself failed; 'interrupted' by SIGINT or SIGTERM. 'abandoned' is never written: a reader shows it for a run
 * recorded 'running' whose process (environment.pid on environment.hostname, this host) is gone, killed outright.
 * Only a complete run is compared, reported or saved as a baseline unless the user says otherwise.
 */
export type RunStatus = 'running' | 'complete' | 'failed' | 'interrupted' | 'abandoned';

export interface RunReport {
  /** Absent in run.json files from before runs recorded it (then treated as not known to be complete). */
  status?: RunStatus;
  /** The exit code the run ended with; null while running. */
  exitCode?: number | null;
  finishedAt?: string | null;
  environment: EnvironmentInfo;
  scenarios: ScenarioResult[];
}
