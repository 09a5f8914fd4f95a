import { describe, expect, it } from 'vitest';
import { ingestDriver } from '../../src/drivers/ingest.ts';
import type { EmulatedApiConfigInput } from '../../src/endpoint/emulated-api/types.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { serverEndpoints, type ScenarioEndpoints } from '../../src/harness/scenario-endpoint.ts';
import { defineScenario, validateScenario } from '../../src/harness/scenario-schema.ts';
import type { ScenarioResult } from '../../src/harness/types.ts';

const COUNTERS = ['api_requests', 'api_inputs', 'api_tokens', 'api_retries', 'api_errors', 'texts_lost', 'wrong_vectors'];

function scenario() {
  return validateScenario(
    'over-http.ts',
    defineScenario({
      name: 'over-http',
      description: 'a small ingest, naive vs batched',
      driver: ingestDriver,
      seed: 7,
      workload: { dataset: 'datasets/memories.jsonl', size: 60, producers: 8, model: 'text-embedding-3-small' },
      // baseURL only matters to the in-process mock: the server path drops it (it answers on its own address).
      endpoint: { timeScale: 0, rateLimit: false, baseURL: 'https://api.openai.com/v1' },
      repetitions: { full: 1, quick: 1 },
      baseline: { label: 'naive', params: { embedder: 'naive' } },
      optimized: { label: 'batched', params: { embedder: 'batch', maxBatchSize: 16, maxWaitMs: 1, maxConcurrentRequests: 2 } },
      targets: [{ metric: 'texts_lost', kind: 'max', max: 0 }],
    }),
    { quick: true },
  );
}

function counters(result: ScenarioResult) {
  expect(result.status).toBe('passed');
  return Object.fromEntries(result.metrics.filter((m) => COUNTERS.includes(m.name)).map((m) => [m.name, [m.baselineSamples, m.optimizedSamples]]));
}

describe('a scenario over HTTP (memopt server in a child process)', () => {
  it('gives the exact counters of the in-process mock, records the kind, and stops the server at the end', async () => {
    const overMock = await runScenario(scenario(), { quick: true });
    let opened: ScenarioEndpoints | undefined;
    let seen: string[] = [];
    const overHttp = await runScenario(scenario(), {
      quick: true,
      endpoints: (input: EmulatedApiConfigInput) => {
        seen = Object.keys(input);
        opened = serverEndpoints(input);
        return opened;
      },
    });
    expect(counters(overHttp)).toEqual(counters(overMock));
    expect(counters(overHttp).api_requests[0]).toEqual([60]);
    expect(overHttp.manifest!.endpoint).toEqual({ kind: 'server', isolate: 'process' });
    expect(overMock.manifest!.endpoint).toEqual({ kind: 'in-process' });
    expect(seen).toContain('seed');
    // Closed by the runner: opening again is refused, and nothing is left listening to reset.
    await expect(opened!.open()).rejects.toThrow(/closed/);
  }, 120_000);
});
