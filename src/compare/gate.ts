import { ExitCode } from '../errors.ts';
import { exitCodeFor } from '../harness/runner.ts';
import type { ScenarioResult } from '../harness/types.ts';
import type { MetricComparison, RunComparison } from './types.ts';

/** Regressions that fail a build: verdict 'regressed' on a metric whose compare gate is 'strict'. */
export function gatingRegressions(comparison: RunComparison): MetricComparison[] {
  return comparison.scenarios.flatMap((s) => s.metrics).filter((m) => m.verdict === 'regressed' && m.policy.gate === 'strict');
}

/**
 * The exit code of `memopt compare`: 2 bad input (including scenarios that cannot be compared: another seed or
 * quick mode), 3 a run failed, 1 a strict target missed or a strict metric regressed, else 0. An 'inconclusive'
 * comparison never fails by itself.
 */
export function comparisonExitCode(comparison: RunComparison, current: readonly ScenarioResult[]): number {
  const fromRun = exitCodeFor(current);
  if (fromRun === ExitCode.badInput || comparison.scenarios.some((s) => s.status === 'not-comparable')) return ExitCode.badInput;
  if (fromRun === ExitCode.runFailed) return ExitCode.runFailed;
  if (fromRun === ExitCode.targetMissed || gatingRegressions(comparison).length > 0) return ExitCode.targetMissed;
  return ExitCode.ok;
}

/** Counts by verdict, for summaries. */
export function verdictCounts(comparison: RunComparison): Record<MetricComparison['verdict'], number> {
  const counts = { improved: 0, regressed: 0, unchanged: 0, inconclusive: 0 };
  for (const m of comparison.scenarios.flatMap((s) => s.metrics)) counts[m.verdict]++;
  return counts;
}
