import { resolveMetricClass } from '../harness/compare-policy.ts';
import type { MetricClass, MetricSpec, TargetSpec } from '../harness/types.ts';

/** One line for `memopt list`, e.g. "api_requests: reduced by >= 50% vs baseline (strict)". */
export function describeTarget(target: TargetSpec): string {
  const rule = (() => {
    switch (target.kind) {
      case 'reduction':
        return `reduced by >= ${target.atLeastPct}% vs baseline`;
      case 'max':
        return `<= ${target.max}`;
      case 'min':
        return `>= ${target.min}`;
      case 'not-worse':
        return `no worse than baseline by more than ${target.pct}%`;
      case 'speedup':
        return `>= ${target.atLeast}x faster than baseline (median of interleaved pairs)`;
    }
  })();
  return `${target.metric}: ${rule} (${target.gate ?? 'strict'})${target.note ? ` - ${target.note}` : ''}`;
}

/**
 * `memopt list --metrics`: each driver's metrics once (name, unit, class, which way is better, what it measures),
 * with the scenarios that use the driver and any class a scenario overrides.
 */
export function describeMetrics(
  scenarios: ReadonlyArray<{ definition: { name: string; driver: { name: string; metrics: readonly MetricSpec[] } }; classes: Record<string, MetricClass> }>,
): string {
  const byDriver = new Map<string, { metrics: readonly MetricSpec[]; scenarios: string[]; overrides: string[] }>();
  for (const s of scenarios) {
    const driver = s.definition.driver;
    const entry = byDriver.get(driver.name) ?? { metrics: driver.metrics, scenarios: [], overrides: [] };
    entry.scenarios.push(s.definition.name);
    for (const [metric, cls] of Object.entries(s.classes)) entry.overrides.push(`${metric} is ${cls} in ${s.definition.name}`);
    byDriver.set(driver.name, entry);
  }
  const out: string[] = [];
  for (const [driver, entry] of byDriver) {
    out.push(`metrics of the ${driver} driver (scenarios: ${entry.scenarios.join(', ')})`);
    for (const m of entry.metrics) {
      const facts = [m.unit, resolveMetricClass(m), `${m.better} is better`, ...(m.only ? [`${m.only} only`] : [])].join(', ');
      out.push(`  ${m.name} (${facts})\n      ${m.description}`);
    }
    for (const override of entry.overrides) out.push(`  class override: ${override}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
