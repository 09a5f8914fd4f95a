import { quantileSorted } from 'simple-statistics';

export { median } from '../util/median.ts';

/** Latency percentiles of a list of per-operation durations in ms (linear interpolation between ranks). */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => quantileSorted(Array.from(sorted), p));
}

/** Records per-operation latency; cheap enough to call per text. */
export class LatencyRecorder {
  private readonly durations: number[] = [];
  record(durationMs: number): void {
    this.durations.push(durationMs);
  }
  get count(): number {
    return this.durations.length;
  }
  percentiles(ps: readonly number[]): number[] {
    return percentiles(this.durations, ps);
  }
}
