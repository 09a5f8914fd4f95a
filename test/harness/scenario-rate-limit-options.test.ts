import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { fixedDriver } from '../fixtures/fixed-driver.ts';

const scenario = (rateLimit: unknown) => ({
  name: 'example',
  description: 'a scenario that sets the rate limiter options',
  driver: fixedDriver,
  workload: { size: 10 },
  baseline: { label: 'base', params: { requests: 10, timeMs: 1 } },
  optimized: { label: 'opt', params: { requests: 1, timeMs: 1 } },
  targets: [{ metric: 'requests', kind: 'reduction', atLeastPct: 50 }],
  endpoint: { rateLimit },
});

describe('a scenario may set the rate limiter realism options', () => {
  it('accepts initialBurst, rejectedCountAgainstLimit, retryHeaders and limitHeaders', () => {
    const rateLimit = { requestsPerMinute: 500, initialBurst: 0.1, rejectedCountAgainstLimit: true, retryHeaders: ['retry-after'], limitHeaders: false };
    expect(() => validateScenario('s.ts', scenario(rateLimit), { quick: false })).not.toThrow();
  });

  it('rejects a bad value, naming the field', () => {
    let caught: unknown;
    try {
      validateScenario('s.ts', scenario({ retryHeaders: ['retry-later'] }), { quick: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScenarioError);
    expect((caught as ScenarioError).where.field).toMatch(/^endpoint\.rateLimit/);
  });
});
