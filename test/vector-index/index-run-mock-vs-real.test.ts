import { describe, expect, it } from 'vitest';
import { indexCompressionDriver } from '../../src/drivers/index-compression.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { RunContext } from '../../src/harness/types.ts';
import { mockVsRealOnTexts } from '../../src/analysis/mock-vs-real.ts';
import { loadDataset } from '../../src/datasets/index.ts';
import { takeSample } from '../../src/datasets/load.ts';
import { prepareContext } from '../support/endpoints.ts';

// An index run with `mockVsReal` reports the mock's geometry beside USE-lite's (shipped vectors, no model run) on a
// seeded sample of the dataset's texts, once: with the optimized side's first repetition.

function context(side: 'baseline' | 'optimized', repetition: number): RunContext {
  return { ...prepareContext(3), quick: true, memory: createMemoryProbe(), repetition, side, log: () => {}, note: () => {} } as unknown as RunContext;
}

describe('index run: the mock against reality', () => {
  it('adds the mock-vs-real table to the optimized side\'s first repetition only, the same as the table of that sample', { timeout: 120_000 }, async () => {
    const mockVsReal = { texts: 60, neighbourQueries: 10, seed: 4 };
    const workload = indexCompressionDriver.workloadSchema.parse({ size: 120, queryCount: 10, sweepWidths: [], mockVsReal });
    const prepared = await indexCompressionDriver.prepare(workload, prepareContext(3));
    const flat = indexCompressionDriver.variantSchema.parse({ index: 'flat' });
    const tableOf = async (side: 'baseline' | 'optimized', repetition: number) =>
      (await indexCompressionDriver.run(prepared, flat, context(side, repetition))).details?.find((t) => t.name === 'mock-vs-real');
    const table = await tableOf('optimized', 0);
    expect(table).toBeDefined();
    expect(await tableOf('baseline', 0)).toBeUndefined();
    expect(await tableOf('optimized', 1)).toBeUndefined();

    expect(table!.columns).toEqual(['metric', 'mock text-embedding-3-small', 'use-lite', 'between']);
    expect(table!.rows[0]).toEqual(['texts', 60, 60, null]);
    expect(table!.rows[1]).toEqual(['dimensions', 1536, 512, null]);
    const overlap = table!.rows.find((r) => String(r[0]).startsWith('top-10 neighbour overlap'))![3] as number;
    expect(overlap).toBeGreaterThan(0);
    expect(overlap).toBeLessThan(1);
    // Exactly the table of the same seeded sample of the dataset's distinct texts.
    const records = await loadDataset(workload.dataset);
    const sample = takeSample([...new Set(records.map((r) => r.text))], 60, 4);
    const direct = await mockVsRealOnTexts(sample, { seed: 4, pcaSampleRows: 60, neighbourQueries: 10 });
    expect(table!.rows).toEqual(direct.rows);
  });

  it('is refused for vectors from a file, which have no texts', () => {
    const parsed = indexCompressionDriver.workloadSchema.safeParse({ vectors: { base: 'x.npy', holdOut: 5 }, mockVsReal: {} });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error!.issues)).toMatch(/mockVsReal.*not for vectors from a file/);
  });
});
