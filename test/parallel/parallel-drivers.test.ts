import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { RunContext } from '../../src/harness/types.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { prepareContext } from '../support/endpoints.ts';
import { parallelApiDriver, rateLimitCap } from '../../src/drivers/parallel-api.ts';
import { parallelSearchDriver, workerCounts } from '../../src/drivers/parallel-search.ts';

let mock: InProcessEndpoint | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

function context(side: 'baseline' | 'optimized', api: InProcessEndpoint): RunContext {
  return { seed: 3, quick: true, endpoint: api, memory: createMemoryProbe(), repetition: 0, side, log: () => {} };
}

describe('parallel-api driver', () => {
  it('gives verified answers on both sides and a curve row per concurrency (tiny batch, no waiting)', async () => {
    const workload = parallelApiDriver.workloadSchema.parse({
      corpusSize: 40,
      documents: 6,
      queries: 6,
      dimensions: 64,
      curve: [1, 2, 4],
      curveRegime: 'burst',
    });
    const prepared = await parallelApiDriver.prepare(workload, prepareContext(3));
    for (const [side, params] of [
      ['baseline', { mode: 'sequential' }],
      ['optimized', { mode: 'concurrent', concurrency: 4 }],
    ] as const) {
      mock = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
      const output = await parallelApiDriver.run(prepared, parallelApiDriver.variantSchema.parse(params), context(side, mock));
      expect(output.metrics).toMatchObject({ wrong_results: 0, lost_writes: 0, failed_operations: 0, api_requests: 12 });
      expect(output.metrics.peak_in_flight).toBe(side === 'baseline' ? 1 : 4);
      if (side === 'optimized') {
        const curve = output.details!.find((t) => t.name === 'concurrency_curve')!;
        expect(curve.rows.map((r) => r[0])).toEqual([1, 2, 4]);
        expect(curve.rows.every((r) => r[curve.columns.indexOf('wrong_results')] === 0)).toBe(true);
      } else expect(output.details).toEqual([]);
      await mock.close();
    }
  });

  it('refuses a curve without concurrency 1 (its reference)', () => {
    const parsed = parallelApiDriver.workloadSchema.safeParse({ documents: 1, queries: 1, curve: [2, 4] });
    expect(parsed.success).toBe(false);
  });

  it("rateLimitCap: the tighter bucket's sustained rate x sequential time per request; Infinity without limits", () => {
    const limits = { requestsPerMinute: 600, tokensPerMinute: 60_000 };
    // At timeScale 0.5: 600 requests per 30 s = 0.02 per ms; 60,000 tokens / 20 per request = 0.1 requests per ms.
    expect(rateLimitCap(limits, 0.5, 100, 20)).toBeCloseTo(2);
    expect(rateLimitCap(limits, 0.5, 100, 200)).toBeCloseTo(1); // now tokens bind: 300 requests per 30 s
    expect(rateLimitCap({ requestsPerMinute: Infinity, tokensPerMinute: Infinity }, 1, 100, 20)).toBe(Number.POSITIVE_INFINITY);
    expect(rateLimitCap({ requestsPerMinute: null, tokensPerMinute: null }, 1, 100, 20)).toBe(Number.POSITIVE_INFINITY); // unknown limits
  });
});

describe('parallel-search driver', () => {
  it('workers and main thread give the same verified answers; the pool is gone after the run', async () => {
    const workload = parallelSearchDriver.workloadSchema.parse({ vectors: 300, queries: 9, dimensions: 32, workerCounts: [1, 2] });
    const prepared = await parallelSearchDriver.prepare(workload, prepareContext(3));
    mock = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
    const base = await parallelSearchDriver.run(prepared, { mode: 'main-thread' }, context('baseline', mock));
    const opt = await parallelSearchDriver.run(prepared, { mode: 'workers', workers: 2 }, context('optimized', mock));
    for (const output of [base, opt]) {
      expect(output.metrics).toMatchObject({ wrong_results: 0, reference_mismatches: 0, threads_left_after_close: 0 });
    }
    const table = opt.details!.find((t) => t.name === 'worker_scaling')!;
    expect(table.rows.map((r) => [r[0], r[1]])).toEqual([
      ['main thread, one query at a time', 0],
      ['main thread, batched', 0],
      ['workers', 1],
      ['workers', 2],
    ]);
    // The headline ratio is the table's own: one-at-a-time time over batched time, as the batched row states it.
    const column = (name: string) => table.columns.indexOf(name);
    const [single, batched] = table.rows;
    const ratio = (single[column('batch_ms')] as number) / (batched[column('batch_ms')] as number);
    expect(opt.metrics.batched_speedup_vs_single).toBe(ratio);
    expect(batched[column('speedup_vs_one_at_a_time')]).toBe(ratio);
  });

  it("workerCounts 'auto': powers of two below the core count, then the core count", () => {
    expect(workerCounts('auto', 1)).toEqual([1]);
    expect(workerCounts('auto', 2)).toEqual([1, 2]);
    expect(workerCounts('auto', 6)).toEqual([1, 2, 4, 6]);
    expect(workerCounts([2, 1, 2], 8)).toEqual([1, 2]);
  });
});
