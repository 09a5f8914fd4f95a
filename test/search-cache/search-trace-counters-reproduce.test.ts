import { describe, expect, it } from 'vitest';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { MetricValues, RunContext } from '../../src/harness/types.ts';
import { startInProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import type { EmulatedApiConfigInput } from '../../src/endpoint/emulated-api/types.ts';
import { prepareContext } from '../support/endpoints.ts';
import { searchTraceDriver, type SearchTraceVariant } from '../../src/drivers/search-trace.ts';

const TIMING = ['wall_time_ms', 'latency_p50_ms', 'latency_p95_ms', 'hit_cost_us'];

const workload = searchTraceDriver.workloadSchema.parse({
  trace: 'test/fixtures/traces/search-small.jsonl',
  preload: 100,
  clients: 4,
  boundCapacities: [50],
  measureHitCost: false,
  opIntervalMs: 1,
  dimensions: 64,
});
let prepared: Awaited<ReturnType<typeof searchTraceDriver.prepare>> | undefined;

/** The small trace (150 operations, 4 clients, 64-d vectors) with a 20 ms TTL on the replay's clock (1 ms per operation). */
async function run(mock: EmulatedApiConfigInput): Promise<MetricValues> {
  prepared ??= await searchTraceDriver.prepare(workload, prepareContext(1));
  const endpoint = startInProcessEndpoint({ rateLimit: false, ...mock });
  try {
    const context: RunContext = { seed: 1, quick: true, endpoint, memory: createMemoryProbe(), repetition: 0, side: 'optimized', log: () => {} };
    const params = searchTraceDriver.variantSchema.parse({ cache: 'search-cache', maxEntries: 20, ttlMs: 20, invalidation: 'targeted' });
    const { metrics } = await searchTraceDriver.run(prepared, params as SearchTraceVariant, context);
    return Object.fromEntries(Object.entries(metrics).filter(([name]) => !TIMING.includes(name)));
  } finally {
    await endpoint.close();
  }
}

describe('search-trace cache counters', () => {
  it('are the same whatever the API answer times: TTLs run on the replay clock, answers are taken in call order', async () => {
    // No wait at all, then real waits of 0-4 ms with the widest jitter drawn from two other seeds: the answers
    // come back in different orders in real time.
    const instant = await run({ timeScale: 0 });
    const slow = await run({ timeScale: 0.01, seed: 5, latency: { jitter: 1 } });
    const other = await run({ timeScale: 0.01, seed: 9, latency: { jitter: 1 } });
    expect(slow).toEqual(instant);
    expect(other).toEqual(instant);
    // The TTL really fired, and nothing was served past it.
    expect(instant.expirations).toBeGreaterThan(0);
    expect(instant.ttl_violations).toBe(0);
    expect(instant.stale_results).toBe(0);
  });
});
