import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexCompressionDriver, FILE_QUERY_CAP } from '../../src/drivers/index-compression.ts';
import { encodeNpy } from '../../src/datasets/vector-files.ts';
import { checkInputs } from '../../src/harness/inputs.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { ValidatedScenario } from '../../src/harness/scenario-schema.ts';
import type { RunContext } from '../../src/harness/types.ts';
import { createRng } from '../../src/util/rng.ts';
import { prepareContext, referenceOnlyEndpoint } from '../support/endpoints.ts';

const dir = mkdtempSync(join(tmpdir(), 'memopt-index-files-'));

/** `rows` x `dim` clustered vectors (a shared mean plus noise), as a float32 .npy file written by the test. */
function writeVectors(name: string, rows: number, dim: number, seed: number, poison?: { row: number; value: number }): string {
  const rng = createRng(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = (i % dim === 0 ? 3 : 0) + rng.next() - 0.5;
  if (poison) data[poison.row * dim] = poison.value;
  const file = join(dir, name);
  writeFileSync(file, encodeNpy(data, rows, dim, 'float32'));
  return file;
}

function context(): RunContext {
  return { seed: 5, quick: true, endpoint: referenceOnlyEndpoint, memory: createMemoryProbe(), repetition: 0, side: 'optimized', log: () => {} } as RunContext;
}

describe('index-compression driver on vector files', () => {
  it('reads a base file and a held-out split (seeded), FlatIndex exact, compressed measured against it', async () => {
    const base = writeVectors('base.npy', 240, 24, 1);
    const workload = indexCompressionDriver.workloadSchema.parse({ vectors: { base, holdOut: 20 }, sweepWidths: [8], sweepVariants: [{ precision: 'float32', rerank: false }] });
    const prepared = await indexCompressionDriver.prepare(workload, prepareContext(5));
    expect(prepared.vectors).toHaveLength(220);
    expect(prepared.queries).toHaveLength(20);
    expect(prepared.ids[0]).toBe('row-0');
    const again = await indexCompressionDriver.prepare(workload, prepareContext(5));
    expect(again.queries[3]).toEqual(prepared.queries[3]);
    const flat = await indexCompressionDriver.run(prepared, indexCompressionDriver.variantSchema.parse({ index: 'flat' }), context());
    expect(flat.metrics.recall_at_10).toBe(1);
    expect(flat.metrics.index_bytes).toBeGreaterThanOrEqual(220 * 24 * 4);
    const compressed = await indexCompressionDriver.run(
      prepared,
      indexCompressionDriver.variantSchema.parse({ index: 'compressed', components: 8, precision: 'int8', fitSampleSize: 220 }),
      context(),
    );
    // 220 rows: the PCA model outweighs the codes, so only the measurement is checked here.
    expect(compressed.metrics.recall_at_10).toBeGreaterThan(0);
    expect(compressed.metrics.flat_index_bytes).toBe(flat.metrics.index_bytes);
    expect(compressed.details!.some((t) => t.name === 'width_sweep')).toBe(true);
  });

  it("takes holdOut as datasets/README.md shows it, { count, seed }: the split follows that seed, not the scenario's", async () => {
    const base = writeVectors('base-seeded.npy', 80, 8, 6);
    const asCount = indexCompressionDriver.workloadSchema.parse({ vectors: { base, holdOut: 10 } });
    const asObject = indexCompressionDriver.workloadSchema.parse({ vectors: { base, holdOut: { count: 10, seed: 5 } } });
    const otherSeed = indexCompressionDriver.workloadSchema.parse({ vectors: { base, holdOut: { count: 10, seed: 6 } } });
    const byScenarioSeed = await indexCompressionDriver.prepare(asCount, prepareContext(5));
    // The object's seed 5 under a scenario seeded 99: the same split as the count under scenario seed 5.
    const byOwnSeed = await indexCompressionDriver.prepare(asObject, prepareContext(99));
    expect(byOwnSeed.queries).toHaveLength(10);
    expect(byOwnSeed.queries).toEqual(byScenarioSeed.queries);
    const byOtherSeed = await indexCompressionDriver.prepare(otherSeed, prepareContext(5));
    expect(byOtherSeed.queries).not.toEqual(byScenarioSeed.queries);
    expect(indexCompressionDriver.workloadSchema.safeParse({ vectors: { base, holdOut: { count: 0 } } }).success).toBe(false);
    expect(indexCompressionDriver.workloadSchema.safeParse({ vectors: { base, holdOut: { count: 3, sed: 1 } } }).success).toBe(false);
  });

  it('reads queries from their own file, caps their count, and takes the first `size` base rows', async () => {
    const base = writeVectors('base2.npy', 100, 16, 2);
    const queries = writeVectors('queries2.npy', FILE_QUERY_CAP + 5, 16, 3);
    const workload = indexCompressionDriver.workloadSchema.parse({ vectors: { base, queries }, size: 60 });
    const prepared = await indexCompressionDriver.prepare(workload, prepareContext(5));
    expect(prepared.vectors).toHaveLength(60);
    expect(prepared.queries).toHaveLength(FILE_QUERY_CAP);
  });

  it('needs size and queryCount for text sources, and exactly one of queries or holdOut for files', () => {
    expect(indexCompressionDriver.workloadSchema.safeParse({}).success).toBe(false);
    expect(indexCompressionDriver.workloadSchema.safeParse({ vectors: 'use-lite' }).success).toBe(false);
    expect(indexCompressionDriver.workloadSchema.safeParse({ vectors: { base: 'a.npy' } }).success).toBe(false);
    expect(indexCompressionDriver.workloadSchema.safeParse({ vectors: { base: 'a.npy', queries: 'b.npy', holdOut: 3 } }).success).toBe(false);
    expect(indexCompressionDriver.workloadSchema.safeParse({ vectors: 'use-lite', size: 10, queryCount: 2 }).success).toBe(true);
  });

  it('declares its files so the harness checks them before any run: a bad row is exit 2 naming file and row', async () => {
    const bad = writeVectors('bad.npy', 30, 8, 4, { row: 17, value: Number.NaN });
    const workload = indexCompressionDriver.workloadSchema.parse({ vectors: { base: bad, holdOut: 5 } });
    const scenario = { definition: { name: 'files', driver: indexCompressionDriver }, file: 'scenarios/files.ts', workload } as unknown as ValidatedScenario;
    const error = await checkInputs([scenario]).then(() => undefined, (e: Error & { exitCode?: number }) => e);
    expect(error?.message).toContain('bad.npy');
    expect(error?.message).toMatch(/row 17/);
    expect(error?.message).toContain('workload.vectors.base');

    const good = writeVectors('good.npy', 30, 8, 5);
    const ok = { definition: { name: 'files', driver: indexCompressionDriver }, file: 'scenarios/files.ts', workload: indexCompressionDriver.workloadSchema.parse({ vectors: { base: good, holdOut: 5 } }) } as unknown as ValidatedScenario;
    await checkInputs([ok]);
    expect(ok.inputs).toEqual([expect.objectContaining({ kind: 'vectors', path: good, records: 30 })]);
  });
});
