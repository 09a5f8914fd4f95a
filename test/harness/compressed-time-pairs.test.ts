import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { mockEndpoints } from '../../src/harness/scenario-endpoint.ts';
import { defineScenario, validateScenario } from '../../src/harness/scenario-schema.ts';
import type { RunnerEvent, ScenarioDefinition, WorkloadDriver } from '../../src/harness/types.ts';

const params = z.object({ cpuMs: z.number(), waitMs: z.number() }).strict();

/** What each run saw: its side, the endpoint's scale, and the compressed-time flag the runner passed. */
const seen: Array<{ side: string; scale: number; compressed: number | undefined; sweep: boolean }> = [];

/**
 * Reports a "wall time" made of CPU (unscaled) plus modelled waits x the endpoint's timeScale, and the timeScale it
 * saw: deterministic, so the test checks which runs went to which scale, with no clock involved.
 */
const scaledDriver: WorkloadDriver<{ size: number }, z.output<typeof params>, null> = {
  name: 'scaled',
  workloadSchema: z.object({ size: z.number() }).strict(),
  variantSchema: params,
  metrics: [
    { name: 'wall_time_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'wall time' },
    { name: 'time_scale', unit: 'x', kind: 'ratio', better: 'lower', description: "the endpoint's time scale" },
  ],
  async prepare() {
    return null;
  },
  async run(_prepared, p, context) {
    const scale = context.endpoint.timeScale;
    seen.push({ side: context.side, scale, compressed: context.compressedTime?.timeScale, sweep: context.sweep !== undefined });
    return { metrics: { wall_time_ms: p.cpuMs + p.waitMs * scale, time_scale: scale } };
  },
};

// Baseline: 50 ms of CPU + 100 ms of waits; optimized: 5 + 100. At timeScale 1: 150/105 = 1.43x; at 0.1: 60/15 = 4x.
function definition(extra: Partial<ScenarioDefinition> = {}): ScenarioDefinition {
  return defineScenario({
    name: 'scaled',
    description: 'CPU-bound baseline, wait-bound optimized',
    driver: scaledDriver,
    workload: { size: 1 },
    endpoint: { timeScale: 1, rateLimit: false },
    repetitions: { full: 2, quick: 2 },
    baseline: { label: 'base', params: { cpuMs: 50, waitMs: 100 } },
    optimized: { label: 'opt', params: { cpuMs: 5, waitMs: 100 } },
    targets: [{ metric: 'wall_time_ms', kind: 'speedup', atLeast: 2 }],
    compressedTime: { timeScale: 0.1 },
    ...extra,
  } as ScenarioDefinition);
}

describe('compressed-time pairs: timing targets gate at the scenario scale, the compressed ratio is shown beside them', () => {
  it('gates on the scenario scale and reports <metric>_compressed from an extra pair at the compressed scale, advisory', async () => {
    seen.length = 0;
    const events: RunnerEvent[] = [];
    const result = await runScenario(validateScenario('scaled.ts', definition(), { quick: true }), { quick: true, onEvent: (e) => events.push(e) });
    const wall = result.metrics.find((m) => m.name === 'wall_time_ms')!;
    expect(wall.baselineSamples).toEqual([150, 150]);
    expect(wall.optimizedSamples).toEqual([105, 105]);
    expect(wall.targets).toMatchObject([{ kind: 'speedup', gate: 'strict', passed: false }]);
    expect(wall.targets[0].measured).toBeCloseTo(150 / 105, 10);
    const compressed = result.metrics.find((m) => m.name === 'wall_time_ms_compressed')!;
    expect(compressed.baselineSamples.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([60]);
    expect(compressed.optimizedSamples.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([15]);
    expect(compressed.targets).toMatchObject([{ kind: 'speedup', gate: 'advisory', passed: true }]);
    expect(compressed.targets[0].measured).toBeCloseTo(4, 10);
    expect(compressed.comparePolicy?.gate).toBe('advisory');
    expect(compressed.description).toMatch(/timeScale 0\.1/);
    // Only metrics with a speedup target are repeated; the pairs' own values stay at the scenario scale.
    expect(result.metrics.map((m) => m.name).filter((n) => n.endsWith('_compressed'))).toEqual(['wall_time_ms_compressed']);
    expect(result.metrics.find((m) => m.name === 'time_scale')!.optimizedSamples).toEqual([1, 1]);
    // The strict miss decides the status; the compressed pass does not rescue it.
    expect(result.status).toBe('missed');
    expect(result.manifest?.compressedTime).toEqual({ timeScale: 0.1 });
    const stepEnds = events.filter((e) => e.type === 'step-end');
    expect(stepEnds.map((e) => (e.type === 'step-end' ? e.step.phase : ''))).toEqual([
      'prepare', 'repetition', 'repetition', 'repetition', 'repetition', 'compressed', 'compressed',
    ]);
    expect(stepEnds.every((e) => e.type === 'step-end' && e.step.steps === 7)).toBe(true);
    // Drivers are told which runs are the compressed pair (to leave out extras such as a curve).
    expect(seen.map((r) => [r.side, r.scale, r.compressed])).toEqual([
      ['baseline', 1, undefined], ['optimized', 1, undefined], ['optimized', 1, undefined], ['baseline', 1, undefined],
      ['baseline', 0.1, 0.1], ['optimized', 0.1, 0.1],
    ]);
  });

  it("a sweep may run at a time scale of its own (counters that need no real waits), the pairs at the scenario's", async () => {
    seen.length = 0;
    const result = await runScenario(
      validateScenario('scaled.ts', definition({ compressedTime: undefined, sweep: { param: 'cpuMs', values: [1, 2], timeScale: 0 } }), { quick: true }),
      { quick: true },
    );
    expect(seen.filter((r) => !r.sweep).map((r) => r.scale)).toEqual([1, 1, 1, 1]);
    expect(seen.filter((r) => r.sweep).map((r) => r.scale)).toEqual([0, 0]);
    const sweep = result.details.find((t) => t.name === 'sweep')!;
    expect(sweep.rows.map((row) => row[sweep.columns.indexOf('time_scale')])).toEqual([0, 0]);
  });

  it('quickPairs sets the pairs of a --quick run: 0 runs none there (no _compressed metrics), full runs keep `pairs`', async () => {
    const spec = { timeScale: 0.1, pairs: 2, quickPairs: 0 };
    seen.length = 0;
    const quick = await runScenario(validateScenario('scaled.ts', definition({ compressedTime: spec }), { quick: true }), { quick: true });
    expect(quick.metrics.some((m) => m.name.endsWith('_compressed'))).toBe(false);
    expect(quick.manifest?.compressedTime).toBeNull();
    expect(seen.map((r) => r.scale)).toEqual([1, 1, 1, 1]);
    seen.length = 0;
    const full = await runScenario(validateScenario('scaled.ts', definition({ compressedTime: spec }), { quick: false }), { quick: false });
    expect(full.metrics.find((m) => m.name === 'wall_time_ms_compressed')!.baselineSamples).toHaveLength(2);
    expect(seen.filter((r) => r.compressed === 0.1).map((r) => r.scale)).toEqual([0.1, 0.1, 0.1, 0.1]);
    seen.length = 0;
    const one = await runScenario(validateScenario('scaled.ts', definition({ compressedTime: { timeScale: 0.1, pairs: 3, quickPairs: 1 } }), { quick: true }), { quick: true });
    expect(one.metrics.find((m) => m.name === 'wall_time_ms_compressed')!.baselineSamples).toHaveLength(1);
  });

  it('runs no compressed pair against a user endpoint (kind url): it has one time scale', async () => {
    const result = await runScenario(validateScenario('scaled.ts', definition(), { quick: true }), {
      quick: true,
      endpoints: (input) => ({ ...mockEndpoints(input), describe: () => ({ kind: 'url' as const }) }),
    });
    expect(result.metrics.some((m) => m.name.endsWith('_compressed'))).toBe(false);
    expect(result.manifest?.compressedTime).toBeNull();
  });

  it('refuses a compressed scale not below the scenario scale, or a scenario without a speedup target (exit 2)', () => {
    expect(() => validateScenario('scaled.ts', definition({ compressedTime: { timeScale: 0.5 }, endpoint: { timeScale: 0.5 } }), { quick: true })).toThrow(
      /scaled\.ts.*compressedTime\.timeScale.*below the scenario's own endpoint\.timeScale \(0\.5\)/s,
    );
    expect(() =>
      validateScenario('scaled.ts', definition({ targets: [{ metric: 'wall_time_ms', kind: 'max', max: 1 }] }), { quick: true }),
    ).toThrow(/compressedTime.*no speedup target/s);
    expect(() => validateScenario('scaled.ts', definition({ compressedTime: { timeScale: 0 } }), { quick: true })).toThrow(/compressedTime/);
  });
});
