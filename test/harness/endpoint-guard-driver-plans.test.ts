import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineScenario, validateScenario } from '../../src/harness/scenario-schema.ts';
import type { ScenarioDefinition, WorkloadDriver } from '../../src/harness/types.ts';
import { costBounds, prepareForUrlEndpoint } from '../../src/suite/endpoint-guard.ts';

const workloadSchema = z.object({ texts: z.array(z.string()), model: z.string().default('text-embedding-3-small') }).strict();
type Workload = z.output<typeof workloadSchema>;

/** A driver that is none of memopt's: the guard knows it only by the request plan it declares. */
function driver(withPlan: boolean): WorkloadDriver<Workload, { n: number }, null, z.input<typeof workloadSchema>> {
  return {
    name: withPlan ? 'my-api-driver' : 'my-vector-driver',
    workloadSchema,
    variantSchema: z.object({ n: z.number() }).strict(),
    metrics: [{ name: 'api_requests', unit: 'requests', kind: 'counter', better: 'lower', description: 'requests' }],
    async prepare() {
      return null;
    },
    async run() {
      return { metrics: { api_requests: 0 } };
    },
    // Each text alone, 1 + 1 attempts, on every run of both sides.
    ...(withPlan
      ? { apiRequests: async (w: Workload, { runs }: { runs: { baseline: number; optimized: number } }) => [{ texts: w.texts, model: w.model, batching: { inputsPerRequest: 1, maxRetries: 1 }, times: runs.baseline + runs.optimized }] }
      : {}),
  };
}

function scenario(withPlan: boolean) {
  const definition = defineScenario({
    name: withPlan ? 'planned' : 'unplanned',
    description: 'a user driver',
    driver: driver(withPlan),
    workload: { texts: ['one two', 'three'] },
    repetitions: { full: 3, quick: 3 },
    baseline: { label: 'a', params: { n: 1 } },
    optimized: { label: 'b', params: { n: 2 } },
    targets: [{ metric: 'api_requests', kind: 'max', max: 10 }],
  } as ScenarioDefinition);
  return validateScenario(`${definition.name}.ts`, definition, { quick: false });
}

const guard = { baseURL: 'http://127.0.0.1:9/v1' };

describe('the cost guard bounds a scenario by its driver’s own request plan, not by driver name', () => {
  it("a user driver declaring apiRequests is accepted, and bounded by its plan: 2 texts alone x 6 runs, 2 attempts each", async () => {
    const planned = [scenario(true)];
    prepareForUrlEndpoint(planned, guard);
    const [{ bound }] = await costBounds(planned, guard);
    expect(bound.requests).toBe(12);
    expect(bound.maxRequests).toBe(24);
  });

  it('a driver declaring no API requests is refused against a url endpoint (exit 2), naming the scenario and driver', () => {
    expect(() => prepareForUrlEndpoint([scenario(false)], guard)).toThrow(/refused: unplanned \(my-vector-driver\)/);
  });
});
