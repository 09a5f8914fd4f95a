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

/** Whether a comparison row can fail a build ('gating': its compare gate is strict) or is only reported ('advisory'). */
export function gateOf(m: MetricComparison): 'gating' | 'advisory' {
  return m.policy.gate === 'strict' ? 'gating' : 'advisory';
}

/** Counts by verdict, gating and advisory rows apart (a headline that mixes them misleads). */
export function verdictCountsByGate(comparison: RunComparison): Record<'gating' | 'advisory', Record<MetricComparison['verdict'], number>> {
  const counts = { gating: { improved: 0, regressed: 0, unchanged: 0, inconclusive: 0 }, advisory: { improved: 0, regressed: 0, unchanged: 0, inconclusive: 0 } };
  for (const m of comparison.scenarios.flatMap((s) => s.metrics)) counts[gateOf(m)][m.verdict]++;
  return counts;
}

/** 'gating: 1 regressed, 0 improved, 3 unchanged, 1 inconclusive; advisory (never fails a build): 2 regressed, ...'. */
export function formatGateCounts(counts: ReturnType<typeof verdictCountsByGate>): string {
  const one = (c: Record<MetricComparison['verdict'], number>) => `${c.regressed} regressed, ${c.improved} improved, ${c.unchanged} unchanged, ${c.inconclusive} inconclusive`;
  return `gating: ${one(counts.gating)}; advisory (never fails a build): ${one(counts.advisory)}`;
}

/**
 * How a speedup is oriented in every report (run table, compare, report.html): baseline time / optimized time per
 * interleaved pair, so above 1 the optimization is faster.
 */
export const SPEEDUP_ORIENTATION = 'speedup = baseline time / optimized time per interleaved pair (above 1: the optimization is faster)';
