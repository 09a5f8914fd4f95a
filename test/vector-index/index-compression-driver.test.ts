import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { RunContext } from '../../src/harness/types.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { prepareContext } from '../support/endpoints.ts';
import { indexCompressionDriver } from '../../src/drivers/index-compression.ts';

let endpoint: InProcessEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

function context(side: 'baseline' | 'optimized', repetition: number): RunContext {
  endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  return { seed: 5, quick: true, endpoint, memory: createMemoryProbe(), repetition, side, log: () => {} };
}

describe('index-compression driver (300 memories, 30 held-out queries)', () => {
  const workload = indexCompressionDriver.workloadSchema.parse({
    size: 300,
    queryCount: 30,
    sweepWidths: [16, 32],
    sweepVariants: [{ precision: 'int8', rerank: false }],
  });
  const prepared = indexCompressionDriver.prepare(workload, prepareContext(5));

  it('measures NaiveIndex as exact, with every byte it holds', async () => {
    const out = await indexCompressionDriver.run(await prepared, indexCompressionDriver.variantSchema.parse({ index: 'naive' }), context('baseline', 0));
    expect(out.metrics.recall_at_10).toBe(1);
    expect(out.metrics.index_bytes).toBe(300 * 1536 * 8);
    expect(out.metrics.fit_ms).toBeUndefined();
  });

  it('measures the int8 scalar-quantized index: a quarter of FlatIndex plus its ranges, recall near exact', async () => {
    const out = await indexCompressionDriver.run(await prepared, indexCompressionDriver.variantSchema.parse({ index: 'sq8' }), context('optimized', 1));
    expect(out.metrics.recall_at_10).toBeGreaterThan(0.95);
    expect(out.metrics.bytes_per_vector).toBeGreaterThan(1536);
    expect(out.metrics.bytes_per_vector).toBeLessThan(1536 * 1.25);
    expect(out.metrics.reduction_vs_flat_pct).toBeGreaterThan(70);
    expect(out.metrics.fit_rows).toBe(300);
    expect(out.metrics.explained_variance).toBeUndefined();
    const indexes = out.details!.find((t) => t.name === 'indexes')!;
    expect(indexes.rows.map((r) => r[indexes.columns.indexOf('precision')])).toEqual(['int8', 'float32']);
  });

  it('sweeps the PCA widths and adds the point without PCA to the curve', async () => {
    const params = indexCompressionDriver.variantSchema.parse({ index: 'compressed', components: 32, precision: 'int8', fitSampleSize: 300 });
    const out = await indexCompressionDriver.run(await prepared, params, context('optimized', 0));
    const sweep = out.details!.find((t) => t.name === 'width_sweep')!;
    const col = (name: string) => sweep.columns.indexOf(name);
    expect(sweep.rows.map((r) => [r[col('components')], r[col('precision')]])).toEqual([
      [16, 'int8'],
      [32, 'int8'],
      [1536, 'int8 (no PCA)'],
    ]);
    const recall = sweep.rows.map((r) => r[col('recall_at_10')] as number);
    // Nothing projected away: the scalar-quantized point keeps more recall than either PCA width.
    expect(recall[2]).toBeGreaterThan(Math.max(recall[0], recall[1]));
    expect(out.metrics.explained_variance).toBeGreaterThan(0);
  });
});
