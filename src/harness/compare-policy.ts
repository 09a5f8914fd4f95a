import type { ComparePolicy, MetricKind, MetricSpec } from './types.ts';

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

/**
 * The policy for one metric: the kind's defaults, then the driver's `compare` on the metric, then the scenario's
 * `compare[metric]`. Setting `method` alone moves `noisePct` to that method's default unless it is also given.
 */
export function resolveComparePolicy(spec: Pick<MetricSpec, 'kind' | 'compare'>, override?: Partial<ComparePolicy>): ComparePolicy {
  let policy = defaultComparePolicy(spec.kind);
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
