import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { exitCodeFor, runScenario } from '../../src/harness/runner.ts';
import { defineScenario, validateScenario } from '../../src/harness/scenario-schema.ts';
import type { ScenarioDefinition, WorkloadDriver } from '../../src/harness/types.ts';

const params = z.object({ model: z.string(), requests: z.number().int() }).strict();

/** Sends `requests` one-input embeddings requests for `model` (no retries), each failure swallowed as a driver might. */
const sendingDriver: WorkloadDriver<{ size: number }, z.output<typeof params>, null> = {
  name: 'sending',
  workloadSchema: z.object({ size: z.number() }).strict(),
  variantSchema: params,
  metrics: [{ name: 'api_requests', unit: 'requests', kind: 'counter', better: 'lower', description: 'requests the endpoint received' }],
  async prepare() {
    return null;
  },
  async run(_prepared, p, context) {
    const client = context.endpoint.createClient({ maxRetries: 0 });
    for (let i = 0; i < p.requests; i++) await client.embeddings.create({ model: p.model, input: [`text ${i}`] }).catch(() => undefined);
    return { metrics: { api_requests: (await context.endpoint.ledger()).requests } };
  },
};

/** Its only target is api_requests: 10 requests against 1 is a 90% reduction, whatever the answers were. */
function scenario(optimizedModel: string) {
  const definition = defineScenario({
    name: 'requests-only',
    description: 'a target on api_requests alone',
    driver: sendingDriver,
    workload: { size: 1 },
    endpoint: { timeScale: 0, rateLimit: false },
    repetitions: { full: 1, quick: 1 },
    baseline: { label: 'base', params: { model: 'text-embedding-3-small', requests: 10 } },
    optimized: { label: 'opt', params: { model: optimizedModel, requests: 1 } },
    targets: [{ metric: 'api_requests', kind: 'reduction', atLeastPct: 50 }],
  } as ScenarioDefinition);
  return validateScenario('requests-only.ts', definition, { quick: true });
}

describe('a scenario whose every API request failed can never pass', () => {
  it('a side whose every request was refused fails the scenario (exit 3), even when its only target is api_requests', async () => {
    const result = await runScenario(scenario('no-such-model'), { quick: true });
    expect(result.status).toBe('errored');
    if (result.status !== 'errored') return;
    expect(result.error.exitCode).toBe(ExitCode.runFailed);
    expect(result.error.message).toMatch(/opt: every embeddings request failed \(1 sent, none answered 200: 1 refused \(4xx\)\)/);
    expect(exitCodeFor([result])).toBe(ExitCode.runFailed);
  });

  it('the same scenario whose requests are answered passes on its counter', async () => {
    const result = await runScenario(scenario('text-embedding-3-small'), { quick: true });
    expect(result.status).toBe('passed');
    expect(result.metrics.find((m) => m.name === 'api_requests')).toMatchObject({ baseline: 10, optimized: 1 });
  });
});
