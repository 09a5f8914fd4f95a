import { describe, expect, it } from 'vitest';
import { apiMetrics, apiMetricSpecs, pick } from '../../src/measure/api-metrics.ts';

const ledger = { requests: 12, inputs: 40, tokens: 900, costUsd: 0.000018, rateLimited: 2, serverErrors: 1, clientErrors: 3, retriesSeen: 4 };

/** One map from a ledger to the API metrics every API driver reports (names, units and values alike). */
describe('API metrics from the ledger', () => {
  it('maps each count, errors summed, and leaves out what the ledger did not see', () => {
    expect(apiMetrics(ledger)).toEqual({
      api_requests: 12,
      api_inputs: 40,
      api_tokens: 900,
      api_cost_usd: 0.000018,
      api_errors: 6,
      api_rate_limited: 2,
      api_server_errors: 1,
      api_retries: 4,
    });
  });

  it('reports inputs a real model truncated, and network errors with timeouts, when the ledger counts them', () => {
    const values = apiMetrics({ ...ledger, inputsTruncated: 3, networkErrors: 2, timeouts: 1 });
    expect(values.api_inputs_truncated).toBe(3);
    expect(values.api_network_errors).toBe(3);
  });

  it('gives the specs of the metrics a driver names, in that order, overridable', () => {
    const specs = apiMetricSpecs(['api_tokens', 'api_inputs_truncated'], { api_tokens: { description: 'query tokens' } });
    expect(specs.map((s) => [s.name, s.unit, s.kind, s.description === 'query tokens'])).toEqual([
      ['api_tokens', 'tokens', 'counter', true],
      ['api_inputs_truncated', 'inputs', 'counter', false],
    ]);
    expect(pick(apiMetrics(ledger), ['api_requests', 'api_inputs_truncated'])).toEqual({ api_requests: 12 });
  });
});
