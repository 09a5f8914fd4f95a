import { z } from 'zod';
import { ScenarioError } from '../errors.ts';
import { mockOptionsSchema } from '../endpoint/emulated-api/options-schema.ts';
import { resolve as resolvePath } from 'node:path';
import { resolveModelPath, resolveWorkloadPaths, scenarioDirOf } from './scenario-paths.ts';
import type { CheckedInput, ComparePolicy, FactoryVariant, MetricClass, ScenarioDefinition, SweepSpec, TargetSpec, WorkloadDriver } from './types.ts';

/** Identity at run time; gives scenario files full type checking of workload, params and targets. */
export function defineScenario<W, P, S, WIn, PIn, F = never>(
  definition: ScenarioDefinition<W, P, S, WIn, PIn, F>,
): ScenarioDefinition<W, P, S, WIn, PIn, F> {
  return definition;
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const nonNegative = finite.refine((n) => n >= 0, 'expected a number >= 0');
const fraction = finite.refine((n) => n >= 0 && n <= 1, 'expected a fraction between 0 and 1');

/** The mocked API's options a scenario may set (one schema with `memopt serve`'s config). */
const mockSchema = mockOptionsSchema;

const targetCommon = z.object({
  metric: z.string().min(1),
  gate: z.enum(['strict', 'advisory']).optional(),
  note: z.string().optional(),
});

/** Strict: a misspelt key (`atleastpct`) is an error naming the field, never a target silently checked without it. */
const targetSchema = z.discriminatedUnion('kind', [
  targetCommon.extend({ kind: z.literal('reduction'), atLeastPct: finite }).strict(),
  targetCommon.extend({ kind: z.literal('max'), max: finite }).strict(),
  targetCommon.extend({ kind: z.literal('min'), min: finite }).strict(),
  targetCommon.extend({ kind: z.literal('not-worse'), pct: nonNegative }).strict(),
  targetCommon.extend({ kind: z.literal('speedup'), atLeast: finite.refine((n) => n > 0, 'expected a number > 0') }).strict(),
]);

/** Seeds are unsigned 32-bit integers: every generator and the mock take them whole. */
export const MAX_SEED = 2 ** 32 - 1;
const seedSchema = z.number().int().min(0).max(MAX_SEED);

const comparePolicySchema = z
  .object({
    method: z.enum(['exact', 'statistical']).optional(),
    noisePct: nonNegative.optional(),
    alpha: finite.refine((n) => n > 0 && n < 1, 'expected a number between 0 and 1 (exclusive)').optional(),
    minEffectSize: fraction.optional(),
    gate: z.enum(['strict', 'advisory']).optional(),
  })
  .strict();

const sweepValue = z.union([finite, z.string(), z.boolean()]);
const sweepSchema = z
  .object({
    param: z.string().min(1),
    values: z.array(sweepValue).min(1, 'expected at least one value'),
    quickValues: z.array(sweepValue).min(1, 'expected at least one value').optional(),
    side: z.enum(['baseline', 'optimized']).optional(),
    repetitions: z.number().int().min(1).max(20).optional(),
    timeScale: z.number().min(0).optional(),
  })
  .strict();

const isSchema = (value: unknown) => typeof (value as { safeParse?: unknown } | null)?.safeParse === 'function';
/** Each member a driver must have, checked by name so the error says which one is missing. */
const driverSchema = z.object(
  {
    name: z.string().min(1),
    workloadSchema: z.custom(isSchema, 'expected a zod schema for the workload'),
    variantSchema: z.custom(isSchema, "expected a zod schema for a variant's params"),
    metrics: z.array(z.object({ name: z.string().min(1) }).loose()),
    prepare: z.custom((v) => typeof v === 'function', 'expected a function prepare(workload, context)'),
    run: z.custom((v) => typeof v === 'function', 'expected a function run(prepared, params, context)'),
    inputs: z.custom((v) => v === undefined || typeof v === 'function', 'expected a function inputs(workload), or none').optional(),
  },
  { error: 'expected a workload driver imported from memopt (e.g. ingestDriver)' },
);

/** A variant gives params for the driver's own parts, or its own factory (checked against the driver below). */
const variantSchema = z.union([
  z.object({ label: z.string().min(1), params: z.unknown() }).strict(),
  z
    .object({
      label: z.string().min(1),
      factory: z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'expected a function'),
      version: z.string().optional(),
      params: z.record(z.string(), sweepValue).optional(),
    })
    .strict(),
]);

const definitionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case name (a-z, 0-9, -)'),
    description: z.string().min(1),
    driver: driverSchema,
    seed: seedSchema.optional(),
    workload: z.unknown(),
    quick: z.record(z.string(), z.unknown()).optional(),
    endpoint: mockSchema.optional(),
    /** The old name of `endpoint`, still read (with a deprecation warning). */
    mock: mockSchema.optional(),
    repetitions: z
      .object({ full: z.number().int().min(1).max(50), quick: z.number().int().min(1).max(50) })
      .strict()
      .optional(),
    baseline: variantSchema,
    optimized: variantSchema,
    /** None (or absent): the scenario only measures. */
    targets: z.array(z.unknown()).optional(),
    compare: z.record(z.string(), comparePolicySchema).optional(),
    classes: z.record(z.string(), z.enum(['exact', 'timing', 'time-dependent'])).optional(),
    sweep: sweepSchema.optional(),
    compressedTime: z
      .object({
        timeScale: z.number().gt(0).lt(1),
        pairs: z.number().int().min(1).max(10).optional(),
        quickPairs: z.number().int().min(0).max(10).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A sweep after validation: the values for this run (quick or full), each variant's params already parsed. */
export interface ValidatedSweep {
  param: string;
  side: 'baseline' | 'optimized';
  repetitions: number;
  values: Array<number | string | boolean>;
  /** The swept variant's params for each value, parsed by the driver's schema (a factory variant: its copy with that value in its params). */
  params: unknown[];
}

export interface ValidatedScenario {
  file: string;
  definition: ScenarioDefinition;
  /** Workload for this run (quick overrides applied), parsed by the driver's schema. */
  workload: unknown;
  /** Parsed params, or a `FactoryVariant` for a variant that brings its own part. */
  baselineParams: unknown;
  optimizedParams: unknown;
  targets: TargetSpec[];
  seed: number;
  repetitions: number;
  /** Per-metric overrides of the compare policy (validated: every key is a metric of the driver). */
  compare: Record<string, Partial<ComparePolicy>>;
  /** Per-metric overrides of the metric class (validated: every key is a metric of the driver). */
  classes: Record<string, MetricClass>;
  sweep: ValidatedSweep | null;
  /** sha256 of the scenario file (set by the loader; absent when validating a definition in memory). */
  fileSha256?: string;
  /** Whether this is the --quick form. */
  quick: boolean;
  /** The workload of the other form (full when this is quick, and the reverse), validated too; its inputs are checked. */
  otherFormWorkload?: unknown;
  /** The driver's declared inputs with their sha256, once `checkInputs` has read them. */
  inputs?: CheckedInput[];
  /** The scenario's `endpoint` options (or the old `mock`), {} when it gives none. */
  endpointOptions: NonNullable<ScenarioDefinition['endpoint']>;
  /** What the user should change but need not (a deprecated field), one line each; the suite prints them. */
  warnings: string[];
}

/**
 * Checks a loaded scenario module's default export; every failure names the file and the field. Both forms are
 * checked, full and --quick (quick overrides, a sweep's quickValues), so `memopt list` and a full run catch what only
 * `--quick` (CI) would otherwise hit; the form asked for is returned.
 */
export function validateScenario(
  file: string,
  exported: unknown,
  options: { quick: boolean; seed?: number; repetitions?: number; trace?: string },
): ValidatedScenario {
  const validated = validateForm(file, exported, options);
  validated.otherFormWorkload = validateForm(file, exported, { ...options, quick: !options.quick }).workload;
  return validated;
}

function validateForm(file: string, exported: unknown, options: { quick: boolean; seed?: number; repetitions?: number; trace?: string }): ValidatedScenario {
  const top = definitionSchema.safeParse(exported);
  if (!top.success) throw fromZod(file, '', top.error);
  const definition = exported as ScenarioDefinition;
  const driver = definition.driver;

  const ownWorkload = options.quick && definition.quick ? mergeQuick(definition.workload, definition.quick) : definition.workload;
  // `run --trace FILE`: the user's agent-memory trace in place of the scenario's own. A command-line path is the
  // working directory's (made absolute here, so the scenario folder's resolution below leaves it as given).
  const rawWorkload = options.trace !== undefined && driver.takesAgentTrace && typeof ownWorkload === 'object' && ownWorkload !== null ? { ...ownWorkload, trace: resolvePath(options.trace) } : ownWorkload;
  const workload = driver.workloadSchema.safeParse(rawWorkload);
  if (!workload.success) throw fromZod(file, options.quick && definition.quick ? 'workload (with quick)' : 'workload', workload.error);

  const params = (['baseline', 'optimized'] as const).map((side) => {
    const variant = definition[side];
    if ('factory' in variant) {
      if (!driver.factory) {
        throw new ScenarioError(
          { file, field: `${side}.factory` },
          `driver '${driver.name}' takes params only (no factory variants); give ${side}.params instead`,
        );
      }
      const factoryVariant: FactoryVariant = { kind: 'factory', factory: variant.factory, label: variant.label, version: variant.version, params: { ...(variant.params ?? {}) } };
      return factoryVariant;
    }
    const parsed = driver.variantSchema.safeParse(variant.params);
    if (!parsed.success) throw fromZod(file, `${side}.params`, parsed.error);
    return parsed.data;
  });

  const metricNames = new Set(driver.metrics.map((m) => m.name));
  const targets = (definition.targets ?? []).map((target, i) => {
    const common = targetCommon.safeParse(target);
    if (!common.success) throw fromZod(file, `targets.${i}`, common.error);
    if (!metricNames.has(common.data.metric)) {
      throw new ScenarioError(
        { file, field: `targets.${i}.metric` },
        `unknown metric '${common.data.metric}' for driver '${driver.name}'; expected one of: ${[...metricNames].join(', ')}`,
      );
    }
    const specific = targetSchema.safeParse(target);
    if (!specific.success) throw fromZod(file, `targets.${i}`, specific.error);
    return target as TargetSpec;
  });

  for (const [field, metric] of [...Object.keys(definition.compare ?? {}).map((m) => ['compare', m]), ...Object.keys(definition.classes ?? {}).map((m) => ['classes', m])]) {
    if (!metricNames.has(metric)) {
      throw new ScenarioError(
        { file, field: `${field}.${metric}` },
        `unknown metric '${metric}' for driver '${driver.name}'; expected one of: ${[...metricNames].join(', ')}`,
      );
    }
  }

  if (definition.endpoint !== undefined && definition.mock !== undefined) {
    throw new ScenarioError({ file, field: 'mock' }, "give 'endpoint' only: 'mock' is its old name");
  }
  const givenEndpoint = definition.endpoint ?? definition.mock ?? {};
  // Relative paths (workload files, an onnx:<folder> model) resolve against the scenario file's folder.
  const scenarioDir = scenarioDirOf(file);
  const endpointOptions = givenEndpoint.model === undefined ? givenEndpoint : { ...givenEndpoint, model: resolveModelPath(givenEndpoint.model, scenarioDir) };
  const warnings =
    definition.mock !== undefined ? [`${file}: the scenario field 'mock' is now 'endpoint' (the emulated API's options and the model that answers); 'mock' is still read, rename it`] : [];

  if (definition.compressedTime) {
    const ownScale = endpointOptions.timeScale ?? 1;
    if (definition.compressedTime.timeScale >= ownScale) {
      throw new ScenarioError(
        { file, field: 'compressedTime.timeScale' },
        `expected a time scale below the scenario's own endpoint.timeScale (${ownScale}), got ${definition.compressedTime.timeScale}`,
      );
    }
    if (!targets.some((t) => t.kind === 'speedup')) {
      throw new ScenarioError({ file, field: 'compressedTime' }, 'the scenario has no speedup target to report at a compressed time scale');
    }
  }

  const reps = definition.repetitions ?? { full: 3, quick: 2 };
  return {
    file,
    definition,
    quick: options.quick,
    workload: resolveWorkloadPaths(driver, workload.data, { baseline: params[0], optimized: params[1] }, scenarioDir),
    baselineParams: params[0],
    optimizedParams: params[1],
    targets,
    seed: options.seed ?? definition.seed ?? 42,
    repetitions: options.repetitions ?? (options.quick ? reps.quick : reps.full),
    compare: definition.compare ?? {},
    classes: definition.classes ?? {},
    sweep: definition.sweep ? validateSweep(file, definition, definition.sweep, options.quick) : null,
    endpointOptions,
    warnings,
  };
}

/**
 * A sweep's param must be a param of the swept variant's schema, and every value must pass that schema in place of
 * the variant's own value (so a typo, or a batch size the driver refuses, fails here, before anything runs).
 */
function validateSweep(file: string, definition: ScenarioDefinition, sweep: SweepSpec, quick: boolean): ValidatedSweep {
  const side = sweep.side ?? 'optimized';
  const driver = definition.driver;
  const variant = definition[side];
  const useQuick = quick && sweep.quickValues !== undefined;
  const values = [...(useQuick ? sweep.quickValues! : sweep.values)];
  if ('factory' in variant) {
    // The user's own params: no schema to check them against, so the swept one must be declared (with the value
    // the gated runs use), which also catches a misspelt sweep.param.
    const declared = variant.params ?? {};
    if (!Object.hasOwn(declared, sweep.param)) {
      throw new ScenarioError(
        { file, field: 'sweep.param' },
        `'${sweep.param}' is not among the ${side} factory variant's params (${Object.keys(declared).join(', ') || 'it gives none'}); declare it in ${side}.params with the value the gated runs use`,
      );
    }
    const params = values.map((value): FactoryVariant => ({
      kind: 'factory',
      factory: variant.factory,
      label: variant.label,
      version: variant.version,
      params: { ...declared, [sweep.param]: value },
    }));
    return { param: sweep.param, side, repetitions: sweep.repetitions ?? 1, values, params };
  }
  const own = variant.params;
  const params = values.map((value, i) => {
    const merged = typeof own === 'object' && own !== null ? { ...own, [sweep.param]: value } : { [sweep.param]: value };
    const parsed = driver.variantSchema.safeParse(merged);
    if (!parsed.success) {
      const unknownKey = parsed.error.issues.some((issue) => issue.code === 'unrecognized_keys' && issue.keys.includes(sweep.param));
      if (unknownKey) {
        throw new ScenarioError({ file, field: 'sweep.param' }, `'${sweep.param}' is not a param of the ${side} variant of driver '${driver.name}'`);
      }
      const issue = parsed.error.issues[0];
      throw new ScenarioError(
        { file, field: `sweep.${useQuick ? 'quickValues' : 'values'}.${i}` },
        `${JSON.stringify(value)} as ${[`${side}.params`, ...issue.path.map(String)].join('.')}: ${issue.message}`,
      );
    }
    const data = parsed.data as Record<string, unknown> | null;
    if (typeof data !== 'object' || data === null || data[sweep.param] !== value) {
      throw new ScenarioError(
        { file, field: 'sweep.param' },
        `'${sweep.param}' is not a param of the ${side} variant of driver '${driver.name}' (its schema drops or changes it)`,
      );
    }
    return parsed.data;
  });
  return { param: sweep.param, side, repetitions: sweep.repetitions ?? 1, values, params };
}

function mergeQuick(workload: unknown, quick: Record<string, unknown>): unknown {
  return typeof workload === 'object' && workload !== null ? { ...workload, ...quick } : workload;
}

/** Turns the first zod issue into a ScenarioError naming the file and the full field path. */
function fromZod(file: string, prefix: string, error: z.ZodError): ScenarioError {
  const issue = error.issues[0];
  // An unknown key is named in the field path itself ('targets.0.atleastpct'), not only in the message.
  const unknownKey = issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [issue.keys[0]] : [];
  const path = [prefix, ...issue.path.map(String), ...unknownKey].filter((p) => p !== '').join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return new ScenarioError({ file, field: path || undefined }, `${issue.message}${more}`);
}
