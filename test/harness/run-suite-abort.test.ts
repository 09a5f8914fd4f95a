import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../src/public-api.ts';

const scenarios = join(import.meta.dirname, '..', 'fixtures', 'scenarios');

describe('runSuite honours an AbortSignal', () => {
  for (const [reason, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`aborted (${reason}) during the first scenario: run folder marked interrupted, exit ${exitCode}, no later scenario run`, { timeout: 60_000 }, async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'memopt-run-suite-abort-')), 'reports');
      const controller = new AbortController();
      const started: string[] = [];
      const outcome = await runSuite({
        scenarios: [scenarios],
        quick: true,
        filter: '/^small-(ingest|search-trace)$/',
        out,
        endpoint: { kind: 'in-process' },
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'scenario-start') started.push(event.scenario);
          if (event.type === 'step-start' && event.step.phase === 'repetition') controller.abort(reason);
        },
      });
      expect(outcome.status).toBe('interrupted');
      expect(outcome.exitCode).toBe(exitCode);
      expect(started).toHaveLength(1);
      const run = JSON.parse(await readFile(join(outcome.runFolder!, 'run.json'), 'utf8'));
      expect(run.status).toBe('interrupted');
      expect(run.exitCode).toBe(exitCode);
      expect(run.scenarios).toEqual([]);
    });
  }

  it('a signal aborted before the run starts interrupts it before the first scenario', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-run-suite-abort-')), 'reports');
    const outcome = await runSuite({ scenarios: [join(scenarios, 'passing.ts')], out, endpoint: { kind: 'in-process' }, signal: AbortSignal.abort('SIGINT') });
    expect(outcome.status).toBe('interrupted');
    expect(outcome.exitCode).toBe(130);
    expect(JSON.parse(await readFile(join(outcome.runFolder!, 'run.json'), 'utf8')).status).toBe('interrupted');
  });
});
