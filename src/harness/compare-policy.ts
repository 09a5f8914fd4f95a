import type { ComparePolicy, MetricClass, MetricKind, MetricSpec } from './types.ts';

/** The noise band a 'statistical' comparison uses by default, and the least one an 'exact' metric that varies gets. */
export const DEFAULT_STATISTICAL_NOISE_PCT = 10;

/**
 * Defaults by metric kind. Counters and ratios (requests, tokens, bytes, hits, recall on a fixed seed) are pure
 * functions of the seed, so they compare exactly; timings and memory vary from run to run, so they are compared
 * with a test, an interval, a noise band and a minimum effect size.
 */
export function defaultComparePolicy(kind: MetricKind): ComparePolicy {
  const exact = kind === 'counter' || kind === 'ratio';
  return {
    method: exact ? 'exact' : 'statistical',
    noisePct: exact ? 0 : DEFAULT_STATISTICAL_NOISE_PCT,
    alpha: 0.05,
    minEffectSize: 0.5,
    gate: 'strict',
  };
}

/** The tolerance a 'time-dependent' counter is compared with unless its driver or scenario states one. */
export const DEFAULT_TIME_DEPENDENT_NOISE_PCT = 10;

export const METRIC_CLASSES: readonly MetricClass[] = ['exact', 'timing', 'time-dependent'];

/**
 * A metric's class when nothing declares one: counters and ratios exact, timings and memory timing. A counter or
 * ratio its driver compares statistically (`compare.method: 'statistical'`: a speedup, a CPU share, a load average)
 * is derived from measured time, so it is timing too.
 */
export function defaultMetricClass(spec: Pick<MetricSpec, 'kind' | 'compare'>): MetricClass {
  if (spec.kind === 'timing' || spec.kind === 'memory') return 'timing';
  return spec.compare?.method === 'statistical' ? 'timing' : 'exact';
}

/** The class of one metric: the scenario's `classes[metric]`, else the driver's `class`, else the default. */
export function resolveMetricClass(spec: Pick<MetricSpec, 'kind' | 'class' | 'compare'>, override?: MetricClass): MetricClass {
  return override ?? spec.class ?? defaultMetricClass(spec);
}

/** The compare policy a class starts from: exact -> exact, no band; timing -> statistical; time-dependent -> a band. */
function classComparePolicy(kind: MetricKind, metricClass: MetricClass | undefined): ComparePolicy {
  const policy = defaultComparePolicy(kind);
  if (metricClass === 'exact') return { ...policy, method: 'exact', noisePct: 0 };
  if (metricClass === 'timing') return { ...policy, method: 'statistical', noisePct: DEFAULT_STATISTICAL_NOISE_PCT };
  if (metricClass === 'time-dependent') return { ...policy, method: 'exact', noisePct: DEFAULT_TIME_DEPENDENT_NOISE_PCT };
  return policy;
}

/**
 * The policy for one metric: the class's (or, without one, the kind's) defaults, then the driver's `compare` on the
 * metric, then the scenario's `compare[metric]`. Setting `method` alone moves `noisePct` to that method's default
 * unless it is also given.
 */
export function resolveComparePolicy(spec: Pick<MetricSpec, 'kind' | 'compare' | 'class'>, override?: Partial<ComparePolicy>): ComparePolicy {
  let policy = classComparePolicy(spec.kind, spec.class);
  for (const layer of [spec.compare, override]) {
    if (!layer) continue;
    const method = layer.method ?? policy.method;
    const noisePct = layer.noisePct ?? (layer.method && layer.method !== policy.method ? (method === 'exact' ? 0 : DEFAULT_STATISTICAL_NOISE_PCT) : policy.noisePct);
    policy = { ...policy, ...definedOnly(layer), method, noisePct };
  }
  return policy;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
