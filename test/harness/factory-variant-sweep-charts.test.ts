import { describe, expect, it } from 'vitest';
import { indexCompressionDriver, type IndexFactory } from '../../src/drivers/index-compression.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import type { SearchHit, VectorIndex } from '../../src/memory/types.ts';

/**
 * A user's lossy index with one setting: `bits` of each coordinate kept (uniform quantization of unit vectors to
 * [-1, 1]). Fewer bits: fewer bytes, lower recall, so a sweep over `bits` traces a cost/quality curve.
 */
class BitsIndex implements VectorIndex {
  dimensions: number | undefined;
  private readonly ids: string[] = [];
  private readonly rows: number[][] = [];
  constructor(private readonly bits: number) {}
  get size() {
    return this.ids.length;
  }
  private quantize(vector: ArrayLike<number>): number[] {
    let norm = 0;
    for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
    const levels = 2 ** this.bits - 1;
    return Array.from(vector, (v) => Math.round(((v / Math.sqrt(norm) + 1) / 2) * levels) / levels * 2 - 1);
  }
  add(id: string, vector: ArrayLike<number>): void {
    this.dimensions = vector.length;
    this.ids.push(id);
    this.rows.push(this.quantize(vector));
  }
  remove(): boolean {
    return false;
  }
  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    const q = Array.from(vector);
    const hits = this.rows.map((row, r) => ({ id: this.ids[r], score: row.reduce((s, v, i) => s + v * q[i], 0) }));
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
  }
  memoryBytes(): number {
    return Math.ceil((this.rows.length * (this.dimensions ?? 0) * this.bits) / 8);
  }
}

const factory: IndexFactory = ({ params }) => new BitsIndex(params.bits as number);

const definition = (sweep: object | undefined, params: object | undefined = { bits: 4 }) => ({
  name: 'user-bits-index',
  description: 'a user index with a bits setting, swept',
  driver: indexCompressionDriver,
  workload: { size: 40, queryCount: 4, sweepWidths: [], peerMethods: [] },
  repetitions: { full: 1, quick: 1 },
  baseline: { label: 'flat', params: { index: 'flat' } },
  optimized: { label: 'bits', factory, version: '0.1.0', params },
  targets: [{ metric: 'recall_at_10', kind: 'min', min: 0 }],
  ...(sweep ? { sweep } : {}),
});

describe('a factory variant takes params and a sweep, and gets the same charts as memopt\'s parts', () => {
  it('the factory gets its params; each sweep point gets the swept value in place; run.json records them', async () => {
    const seen: unknown[] = [];
    const recording: IndexFactory = (context) => {
      seen.push(context.params);
      return factory(context);
    };
    const scenario = validateScenario('x.ts', { ...definition({ param: 'bits', values: [1, 8] }), optimized: { label: 'bits', factory: recording, params: { bits: 4, note: 'x' } } }, { quick: true });
    const result = await runScenario(scenario, { quick: true });
    expect(result.status).toBe('passed');
    // The gated pair first (its factory side at bits 4), then one run per swept value.
    expect(seen).toEqual([{ bits: 4, note: 'x' }, { bits: 1, note: 'x' }, { bits: 8, note: 'x' }]);
    expect(result.manifest!.optimizedParams).toEqual({ factory: 'bits', version: null, params: { bits: 4, note: 'x' } });
    const sweep = result.details.find((t) => t.name === 'sweep')!;
    const bytesAt = sweep.columns.indexOf('index_bytes');
    // Bytes follow the swept setting exactly: 40 vectors x 1536 dims x bits / 8.
    expect(sweep.rows.map((r) => r[bytesAt])).toEqual([1, 8].map((bits) => (40 * 1536 * bits) / 8));
    const variants = result.details.find((t) => t.name === 'variants')!;
    expect(variants.chart).toMatchObject({ type: 'front', x: { column: 'bytes_per_vector' }, y: { column: 'recall_at_10' } });
    expect(variants.rows.map((r) => r.slice(0, 3))).toEqual([
      ['baseline', 'flat', 'baseline'],
      ['optimized', 'bits', 'optimized'],
      ['sweep', 'bits', 'bits=1'],
      ['sweep', 'bits', 'bits=8'],
    ]);
  });

  it('a swept param the factory variant does not declare is refused, naming the field', () => {
    expect(() => validateScenario('x.ts', definition({ param: 'bitz', values: [1] }), { quick: true })).toThrow(
      /field 'sweep\.param': 'bitz' is not among the optimized factory variant's params \(bits\); declare it in optimized\.params/,
    );
    expect(() => validateScenario('x.ts', definition({ param: 'bits', values: [1] }, {}), { quick: true })).toThrow(/\(it gives none\)/);
  });
});
