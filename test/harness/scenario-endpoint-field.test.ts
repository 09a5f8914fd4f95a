import { describe, expect, it } from 'vitest';
import { searchTraceDriver } from '../../src/drivers/search-trace.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';

const base = {
  name: 'endpoint-field',
  description: 'the endpoint field and its old name',
  driver: searchTraceDriver,
  workload: { trace: 'test/fixtures/traces/search-small.jsonl', preload: 100 },
  baseline: { label: 'none', params: { cache: 'none' } },
  optimized: { label: 'cache', params: { cache: 'search-cache' } },
  targets: [{ metric: 'stale_results', kind: 'max', max: 0 }],
};

/** A scenario names the emulated API's options and the model that answers as `endpoint`; `mock` is its old name. */
describe("a scenario's endpoint field", () => {
  it('is read as the endpoint options, with no warning', () => {
    const scenario = validateScenario('s.ts', { ...base, endpoint: { timeScale: 0.5, model: 'use-lite' } }, { quick: true });
    expect(scenario.endpointOptions).toEqual({ timeScale: 0.5, model: 'use-lite' });
    expect(scenario.warnings).toEqual([]);
  });

  it("still reads the old 'mock', and says to rename it", () => {
    const scenario = validateScenario('old.ts', { ...base, mock: { timeScale: 0.25 } }, { quick: true });
    expect(scenario.endpointOptions).toEqual({ timeScale: 0.25 });
    expect(scenario.warnings).toEqual([expect.stringMatching(/old\.ts: the scenario field 'mock' is now 'endpoint'/)]);
  });

  it('refuses both at once, naming the field', () => {
    expect(() => validateScenario('both.ts', { ...base, endpoint: {}, mock: {} }, { quick: true })).toThrow(/both\.ts.*field 'mock'.*'endpoint' only/);
  });

  it('gives {} when the scenario names neither', () => {
    expect(validateScenario('none.ts', base, { quick: true }).endpointOptions).toEqual({});
  });
});
