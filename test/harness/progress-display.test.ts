import { describe, expect, it } from 'vitest';
import type { RunnerEvent, RunStep } from '../../src/harness/types.ts';
import { ProgressDisplay } from '../../src/report/progress.ts';

function harness(isTTY: boolean, verbose = false) {
  let written = '';
  let clock = 0;
  const display = new ProgressDisplay({ write: (t) => (written += t), isTTY, columns: 200 }, { scenarioCount: 2, verbose, now: () => clock, tickMs: 0 });
  return {
    display,
    output: () => written,
    advance: (ms: number) => (clock += ms),
  };
}

const step = (index: number, phase: RunStep['phase'], extra: Partial<RunStep> = {}): RunStep => ({ index, steps: 5, phase, ...extra });

/** A scenario of 5 steps: prepare, then two pairs of runs; each run takes 1 s, preparing 0.5 s. */
function playScenario(h: ReturnType<typeof harness>, until = 5) {
  const events: RunnerEvent[] = [{ type: 'scenario-start', scenario: 'batch', steps: 5 }];
  const steps = [
    step(1, 'prepare'),
    step(2, 'repetition', { side: 'baseline', variant: 'naive', repetition: 0 }),
    step(3, 'repetition', { side: 'optimized', variant: 'batched', repetition: 0 }),
    step(4, 'repetition', { side: 'optimized', variant: 'batched', repetition: 1 }),
    step(5, 'repetition', { side: 'baseline', variant: 'naive', repetition: 1 }),
  ];
  h.display.handle(events[0]);
  for (const s of steps.slice(0, until)) {
    h.display.handle({ type: 'step-start', scenario: 'batch', step: s });
    h.display.handle({ type: 'log', scenario: 'batch', message: `driver says ${s.index}` });
    const ms = s.phase === 'prepare' ? 500 : 1000;
    h.advance(ms);
    h.display.handle({ type: 'step-end', scenario: 'batch', step: s, durationMs: ms, ok: true });
  }
}

describe('progress display', () => {
  it('not a terminal (CI log): one line per finished step with scenario, variant, step and ETA; no driver chatter', () => {
    const h = harness(false);
    playScenario(h);
    const lines = h.output().trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('memopt: [1/2] batch step 1/5 prepare done in 0.5 s');
    expect(lines[1]).toBe('memopt: [1/2] batch step 2/5 repetition 1 naive done in 1.0 s, ETA 3.0 s');
    expect(lines[4]).toBe('memopt: [1/2] batch step 5/5 repetition 2 naive done in 1.0 s, ETA 0.0 s');
    expect(h.output()).not.toContain('driver says');
    expect(h.output()).not.toContain('\r');
  });

  it('verbose prints the driver lines too', () => {
    const h = harness(false, true);
    playScenario(h, 2);
    expect(h.output()).toContain('  ... driver says 2\n');
  });

  it('a terminal: one status line redrawn in place, with the running step, its time, the ETA and the latest driver line', () => {
    const h = harness(true);
    playScenario(h, 3);
    h.display.handle({ type: 'step-start', scenario: 'batch', step: step(4, 'repetition', { variant: 'batched', repetition: 1 }) });
    h.advance(400);
    expect(h.display.statusLine()).toBe('[1/2] batch | step 4/5 repetition 2 batched 0.4 s | ETA 1.6 s | driver says 3');
    expect(h.output()).toContain('\r\x1b[2K[1/2] batch');
    expect(h.output()).not.toContain('\n');
    // Printing a table clears the status line first, then draws it again below.
    h.display.print('a table\n');
    expect(h.output()).toMatch(/\r\x1b\[2Ka table\n\r\x1b\[2K\[1\/2\] batch/);
    h.display.stop();
    expect(h.output().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('a sweep step names the param and value', () => {
    const h = harness(false);
    h.display.handle({ type: 'scenario-start', scenario: 'batch', steps: 5 });
    h.display.handle({ type: 'step-end', scenario: 'batch', step: step(5, 'sweep', { variant: 'batched', sweep: { param: 'maxBatchSize', value: 16 } }), durationMs: 2000, ok: true });
    expect(h.output()).toContain('step 5/5 sweep maxBatchSize=16 batched done in 2.0 s');
  });
});
