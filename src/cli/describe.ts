import type { TargetSpec } from '../harness/types.ts';

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
