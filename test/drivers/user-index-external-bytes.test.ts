import { describe, expect, it } from 'vitest';
import { indexCompressionDriver } from '../../src/drivers/index-compression.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { MatryoshkaIndex } from '../../src/parts/vector-index/matryoshka-index.ts';

/**
 * A user's factory returning one of memopt's own indexes is measured through the contract alone: a MatryoshkaIndex
 * keeps its rows in WebAssembly memory, and its externalBytes() reaches the indexes table (it used to read 0: the
 * driver asked concrete classes for their WASM bytes and did not know this one).
 */
describe('a user factory returning a MatryoshkaIndex', () => {
  it('reports its WebAssembly bytes in the indexes table', async () => {
    const scenario = validateScenario(
      'x.ts',
      {
        name: 'user-matryoshka',
        description: 'a user factory returning MatryoshkaIndex',
        driver: indexCompressionDriver,
        workload: { size: 60, queryCount: 4, sweepWidths: [] },
        endpoint: { timeScale: 0, rateLimit: false },
        repetitions: { full: 1, quick: 1 },
        baseline: { label: 'flat', params: { index: 'flat' } },
        optimized: { label: 'mine', factory: ({ capacity }: { capacity: number }) => new MatryoshkaIndex({ dimensions: 256, initialCapacity: capacity }) },
        targets: [{ metric: 'index_bytes', kind: 'reduction', atLeastPct: 0, gate: 'advisory' }],
      },
      { quick: true },
    );
    const result = await runScenario(scenario, { quick: true });
    expect(result.status).not.toBe('errored');
    const table = result.details.find((t) => t.name === 'indexes')!;
    const wasm = table.columns.indexOf('wasm_memory_bytes');
    const mine = table.rows.find((r) => r[1] === 'mine' && r[3] === 'mine')!;
    const expected = new MatryoshkaIndex({ dimensions: 256, initialCapacity: 60 });
    expect(mine[wasm]).toBeGreaterThan(0);
    expect(mine[wasm]).toBe(mine[table.columns.indexOf('index_bytes')]); // all of its bytes are WebAssembly pages
    expect(expected.externalBytes()).toBe(expected.memoryBytes());
  }, 60_000);
});
