import { median } from '../util/median.ts';
import type { MetricResult, TargetResult, TargetSpec } from './types.ts';

/**
 * Checks one target against a metric's measured values. Reductions and bounds use the medians; a speedup uses the
 * median of per-repetition ratios baseline/optimized, because baseline and optimized ran interleaved in pairs and
 * a pair shares whatever load the machine had at that moment.
 */
export function checkTarget(target: TargetSpec, metric: MetricResult): TargetResult {
  const gate = target.gate ?? 'strict';
  const { baseline, optimized } = metric;
  const { kind } = target;
  const missing = (text: string): TargetResult => ({ kind, text, gate, passed: false, measured: Number.NaN });
  switch (target.kind) {
    case 'reduction': {
      const text = `<= ${-target.atLeastPct}%`;
      if (baseline === null || optimized === null || baseline === 0) return missing(text);
      const reductionPct = ((baseline - optimized) / baseline) * 100;
      return { kind, text, gate, passed: reductionPct >= target.atLeastPct, measured: -reductionPct };
    }
    case 'max': {
      const text = `<= ${target.max}`;
      if (optimized === null) return missing(text);
      return { kind, text, gate, passed: optimized <= target.max, measured: optimized };
    }
    case 'min': {
      const text = `>= ${target.min}`;
      if (optimized === null) return missing(text);
      return { kind, text, gate, passed: optimized >= target.min, measured: optimized };
    }
    case 'not-worse': {
      const better = metric.better;
      const text = better === 'lower' ? `<= baseline +${target.pct}%` : `>= baseline -${target.pct}%`;
      if (baseline === null || optimized === null) return missing(text);
      const limit = better === 'lower' ? baseline * (1 + target.pct / 100) : baseline * (1 - target.pct / 100);
      const passed = better === 'lower' ? optimized <= limit : optimized >= limit;
      return { kind, text, gate, passed, measured: optimized };
    }
    case 'speedup': {
      const text = `>= ${target.atLeast}x`;
      const ratio = pairedSpeedup(metric);
      if (ratio === null) return missing(text);
      return { kind, text, gate, passed: ratio.median >= target.atLeast, measured: ratio.median };
    }
  }
}

/** Per-repetition ratios baseline/optimized (for lower-is-better timings) and their median, min and max. */
export function pairedSpeedup(metric: MetricResult): { median: number; min: number; max: number; ratios: number[] } | null {
  const n = Math.min(metric.baselineSamples.length, metric.optimizedSamples.length);
  if (n === 0) return null;
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = metric.baselineSamples[i];
    const o = metric.optimizedSamples[i];
    ratios.push(metric.better === 'lower' ? b / o : o / b);
  }
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ratios };
}
