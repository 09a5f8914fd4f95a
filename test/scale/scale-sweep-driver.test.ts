import { describe, expect, it } from 'vitest';
import { scaleId, scaleQueries, scaleVectorChunk, SCALE_DIMENSIONS } from '../../src/datasets/scale-vectors.ts';
import { runScaleSweep, type ScaleIndexSpec, type ScaleRow } from '../../src/drivers/scale-sweep.ts';
import type { IndexEntry } from '../../src/measure/index-runs.ts';
import { indexParamsSchema } from '../../src/parts/registry.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { growthTable, parseScaleCsv, scaleCharts, scaleCsv } from '../../src/report/scale-report.ts';

const ROWS = 400;
const all = scaleVectorChunk(9, 0, ROWS);
const row = (i: number) => all.subarray(i * SCALE_DIMENSIONS, (i + 1) * SCALE_DIMENSIONS);
const queries = scaleQueries(77, 12);
let chunksRead = 0;
/** The rows of the first test's sweep, which the reporting test reads (tests in a file run in order). */
const firstSweep: ScaleRow[] = [];

async function* chunks(n: number): AsyncGenerator<IndexEntry[]> {
  for (let first = 0; first < n; first += 128) {
    chunksRead++;
    yield Array.from({ length: Math.min(128, n - first) }, (_, i) => [scaleId(first + i), Float32Array.from(row(first + i))] as IndexEntry);
  }
}

const spec = (label: string, params: object, extra: Partial<ScaleIndexSpec> = {}): ScaleIndexSpec => ({ label, params: indexParamsSchema.parse(params), ...extra });

function input(indexes: ScaleIndexSpec[]) {
  return {
    sizes: [200, 400],
    dimensions: SCALE_DIMENSIONS,
    indexes,
    chunks,
    sample: async (n: number) => Array.from({ length: Math.min(n, 150) }, (_, i) => row(Math.floor((i * n) / Math.min(n, 150)))),
    storedRows: async (n: number) => [0, n - 1].map((r) => ({ id: scaleId(r), vector: row(r) })),
    queries,
    warmupQueries: 2,
    k: 10,
  };
}

describe('the scale sweep driver', () => {
  it('measures every index at every N against the exact index, streams chunks, and says where an index stops', async () => {
    const rows = firstSweep;
    chunksRead = 0;
    const truth = new Map<number, readonly (readonly string[])[]>();
    await runScaleSweep(
      {
        ...input([
        spec('flat', { index: 'flat' }),
        spec('sq8', { index: 'sq8', fitSampleSize: 150 }),
        spec('binary', { index: 'binary', oversample: 2 }, { maxN: 200, stopReason: 'test stop' }),
        ]),
        onGroundTruth: (n, exact) => truth.set(n, exact),
      },
      (r) => {
        rows.push(r);
      },
    );
    expect(rows.map((r) => [r.n, r.index, r.status])).toEqual([
      [200, 'flat', 'measured'],
      [200, 'sq8', 'measured'],
      [200, 'binary', 'measured'],
      [400, 'flat', 'measured'],
      [400, 'sq8', 'measured'],
      [400, 'binary', 'skipped'],
    ]);
    expect(rows[5].note).toBe('test stop');
    // The ground truth is exact: the same top-10 as a float64 scan of the same rows (the reference ranking).
    for (const n of [200, 400]) {
      const ids = Array.from({ length: n }, (_, i) => scaleId(i));
      const reference = exactTopK(Array.from({ length: n }, (_, i) => row(i)), ids, queries, 10);
      expect(recallAtK(truth.get(n)! as string[][], reference, 10)).toBe(1);
    }
    // 3 builds at 200 (2 chunks of 128 rows each) and 2 at 400 (4 chunks each).
    expect(chunksRead).toBe(3 * 2 + 2 * 4);
    const flat = rows.filter((r) => r.index === 'flat');
    expect(flat.map((r) => r.recallAt10)).toEqual([1, 1]);
    for (const r of flat) expect(r.indexBytes / r.n).toBeGreaterThanOrEqual(SCALE_DIMENSIONS * 4);
    const sq8 = rows.filter((r) => r.index === 'sq8');
    for (const r of sq8) {
      expect(r.recallAt10).toBeGreaterThan(0.8);
      expect(r.recallAt10).toBeLessThanOrEqual(1);
      expect(r.indexBytes / r.n).toBeLessThan(flat[0].indexBytes / flat[0].n / 2);
      expect(r.note).toMatch(/^fit on \d+ rows/);
      expect(r.queries).toBe(queries.length);
      expect(r.queryP99Ms).toBeGreaterThanOrEqual(r.queryP50Ms);
    }
    // Binary's recall is against flat's answers at the same N: not 1 with 2x oversampling.
    expect(rows[2].recallAt10).toBeLessThan(1);
  });

  it('refuses to run without an exact index first (there would be no ground truth)', async () => {
    await expect(runScaleSweep(input([spec('sq8', { index: 'sq8' }), spec('flat', { index: 'flat' })]), () => {})).rejects.toThrow(/exact index first/);
  });

  it('refuses ground truth from an index that does not find stored vectors as themselves', async () => {
    const bad = { ...input([spec('flat', { index: 'flat' })]), storedRows: async () => [{ id: scaleId(5), vector: row(6) }] };
    await expect(runScaleSweep(bad, () => {})).rejects.toThrow(/does not find stored vector m5/);
  });

  it('reports: the CSV reads back, each line gets its growth exponents, and one chart per metric', async () => {
    const rows = firstSweep.filter((r) => r.index !== 'binary');
    expect(rows).toHaveLength(4);
    const back = parseScaleCsv(scaleCsv(rows), 'scale.csv');
    expect(back.map((r) => [r.n, r.index, r.status, r.recallAt10, r.indexBytes, r.queryP99Ms])).toEqual(rows.map((r) => [r.n, r.index, r.status, r.recallAt10, r.indexBytes, r.queryP99Ms]));
    const growth = growthTable(back);
    expect(growth.map((g) => g.series)).toEqual(['flat', 'sq8']);
    // Total bytes of a flat store grow about linearly (at a few hundred rows its 64 KiB pages and scratch still show).
    expect(growth[0].exponents.index_bytes).toBeGreaterThan(0.85);
    expect(growth[0].exponents.index_bytes).toBeLessThan(1.1);
    expect(growth[0].exponents.recall_at_10).toBe(0);
    const charts = scaleCharts(back, 'test');
    expect(charts.map((c) => c.id)).toEqual(['scale-query-p50', 'scale-query-p99', 'scale-build', 'scale-bytes', 'scale-recall']);
    expect(() => parseScaleCsv('n,index\n1,flat\n', 'x.csv')).toThrow(/x\.csv: line 2: no column 'setting'/);
  });
});
