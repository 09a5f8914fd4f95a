import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { prepareContext } from '../support/endpoints.ts';
import { indexCompressionDriver } from '../../src/drivers/index-compression.ts';
import { PARETO_COLUMNS } from '../../src/drivers/index-pareto.ts';

let endpoint: InProcessEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe('index-compression driver with workload.peerMethods', () => {
  it('adds the pareto_peers table on the compressed side, measured on the same vectors', async () => {
    const workload = indexCompressionDriver.workloadSchema.parse({
      size: 200,
      queryCount: 20,
      sweepWidths: [],
      peerMethods: [{ method: 'matryoshka', dimensions: [1536] }, { method: 'binary', oversample: [200], rescore: 'float32' }],
    });
    const prepared = await indexCompressionDriver.prepare(workload, prepareContext(5));
    endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
    const params = indexCompressionDriver.variantSchema.parse({ index: 'compressed', components: 16, fitSampleSize: 200 });
    const out = await indexCompressionDriver.run(prepared, params, { seed: 5, quick: true, endpoint, memory: createMemoryProbe(), repetition: 0, side: 'optimized', log: () => {} });
    const table = out.details!.find((t) => t.name === 'pareto_peers')!;
    expect(table.columns).toEqual(PARETO_COLUMNS);
    const recall = table.rows.map((r) => r[PARETO_COLUMNS.indexOf('recall_at_10')]);
    // All 1536 coordinates kept, and a binary shortlist of every row re-scored in float32: both exact.
    expect(recall).toEqual([1, 1]);
  });

  it('refuses an unknown peer method in the workload', () => {
    expect(indexCompressionDriver.workloadSchema.safeParse({ size: 10, queryCount: 2, peerMethods: [{ method: 'hnswlib' }] }).success).toBe(false);
  });
});
